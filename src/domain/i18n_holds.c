/* What a sender and a customer are told about a held join, in Spanish and
 * English (docs/continuity.md). The texts to a sender who is not proven
 * name no ticket data: they are the same for any reference. */
#include <stdio.h>
#include <string.h>

#include "hilo/i18n.h"

const char *hilo_i18n_hold(const char *lang, const char *what)
{
    int es = strcmp(hilo_i18n_lang(lang ? lang : ""), "es") == 0;
    if (strcmp(what, "held") == 0)
        return es ? "Hemos recibido tu mensaje. Para unirlo a un caso existente necesitamos "
                    "confirmar que eres tú: si el caso es tuyo, te hemos enviado un código de 6 "
                    "dígitos por el medio que ya usaste con nosotros. Respóndenos aquí con ese "
                    "código. Si prefieres abrir un caso nuevo, escríbenos sin número de caso."
                  : "We have your message. To add it to an existing case we need to confirm "
                    "it is you: if the case is yours, we have sent a 6-digit code to the contact "
                    "you used with us before. Reply here with that code. To open a new case "
                    "instead, write to us without a case number.";
    if (strcmp(what, "held_voice") == 0)
        return es ? "Para unir esta llamada a un caso necesitamos confirmar que eres tú. Si el "
                    "caso es tuyo, te hemos enviado un código de 6 dígitos. Márcalo ahora "
                    "seguido de la tecla numeral, o envíalo por mensaje desde este número."
                  : "To add this call to a case we need to confirm it is you. If the case is "
                    "yours, we have sent you a 6-digit code. Key it in now followed by the "
                    "pound key, or text it from this number.";
    if (strcmp(what, "code_bad") == 0)
        return es ? "Ese código no es correcto. Inténtalo de nuevo."
                  : "That code is not right. Please try again.";
    if (strcmp(what, "code_dead") == 0)
        return es ? "Ese código ya no sirve. Un agente revisará tu mensaje."
                  : "That code can no longer be used. An agent will review your message.";
    if (strcmp(what, "rejected") == 0)
        return es ? "No hemos podido confirmar tu mensaje para ese caso. Si quieres, escríbenos "
                    "sin número de caso y abriremos uno nuevo."
                  : "We could not confirm your message for that case. If you like, write to us "
                    "without a case number and we will open a new one.";
    if (strcmp(what, "rate") == 0)
        return es ? "Demasiados intentos. Inténtalo más tarde."
                  : "Too many attempts. Please try again later.";
    return "";
}

void hilo_i18n_hold_connected(const char *lang, const char *ref, char *out, size_t n)
{
    if (strcmp(hilo_i18n_lang(lang ? lang : ""), "es") == 0)
        snprintf(out, n, "Listo: estás conectado al caso %s. Puedes seguir escribiendo aquí.", ref);
    else
        snprintf(out, n, "Done: you're connected to case %s. You can keep writing here.", ref);
}

void hilo_i18n_hold_code(const char *lang, const char *ref, const char *channel,
                         const char *masked, const char *code, char *out, size_t n)
{
    if (strcmp(hilo_i18n_lang(lang ? lang : ""), "es") == 0)
        snprintf(out, n,
                 "Alguien pidió unir %s %s a tu caso %s. Si fuiste tú, responde desde allí con "
                 "el código %s (vale 10 minutos). Si no fuiste tú, ignora este mensaje: no se "
                 "unirá nada.",
                 channel, masked, ref, code);
    else
        snprintf(out, n,
                 "Someone asked to add %s %s to your case %s. If it was you, reply from there "
                 "with the code %s (valid for 10 minutes). If it was not you, ignore this "
                 "message: nothing will be added.",
                 channel, masked, ref, code);
}
