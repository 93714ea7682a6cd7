/* Team settings in the domain (src/domain/team_settings.c): the approved
 * WhatsApp templates an agent may pick (docs/channels/whatsapp.md
 * "Templates agents pick"), and telling signed-in agents that a team's
 * settings changed (frame team_settings, docs/protocol.md).
 *
 * An approved template is {"name","language","body","params"[,"content_sid"]}:
 * name 1-512 of [a-z0-9_], language 2-15 of [A-Za-z_], body 1-1024 bytes
 * whose placeholders {{1}}..{{params}} each appear (no others), params
 * 0-10, content_sid (Twilio) "HX" and 32 hex digits. */
#ifndef HILO_TEAM_SETTINGS_H
#define HILO_TEAM_SETTINGS_H

#include <jansson.h>

struct hilo_server;

#define HILO_TEAM_TEMPLATES_MAX 50
#define HILO_TEAM_TEMPLATE_PARAM_MAX 1024 /* bytes of one parameter */

/* 1 when v is a valid list of approved templates (names and languages
 * unique together), else 0. */
int hilo_team_templates_ok(const json_t *v);

/* The approved template of list matching tpl ({"name","language","params"}
 * of a reply frame), its parameters checked (count equal to the template's,
 * each 1-1024 bytes, no newline or tab, no five spaces in a row: what the
 * WhatsApp Cloud API refuses). 0 and *found (borrowed from list) and
 * *text (the body with its parameters, malloc'ed); -HILO_EUNKNOWNTEMPLATE
 * (no such name and language in list); -HILO_EBADFRAME (parameters). */
int hilo_team_template_match(const json_t *list, const json_t *tpl, json_t **found, char **text);

/* The settings JSON stored for a team (or NULL) and the default team's: the
 * templates list that applies (own over default), borrowed, or NULL. */
json_t *hilo_team_templates_pick(json_t *own, json_t *dflt);

/* Async: the agent's team (from its record) and that team's approved
 * templates, then tpl matched (hilo_team_template_match). done runs once
 * (err 0: found is a new reference, text malloc'ed, both the callee's to
 * free), unless the return is negative. */
typedef void (*hilo_team_template_cb)(int err, json_t *found, char *text, void *data);
int hilo_team_template_check(struct hilo_server *s, const char *agent, const json_t *tpl,
                             hilo_team_template_cb done, void *data);

/* Tells every instance that team's settings changed (PUT/DELETE): each
 * sends {"type":"team_settings","team":team} to its signed-in agents.
 * Published as "-\nS<team>\n" on the events channel. 0 or -HILO_E*. */
int hilo_team_settings_publish(struct hilo_server *s, const char *team);
/* One such line heard (after its 'S'). */
void hilo_team_settings_on_publish(struct hilo_server *s, const char *line, size_t len);

#endif
