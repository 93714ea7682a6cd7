/* Shared by the command-line tools in src/cli. */
#ifndef HILO_CLI_INTERNAL_H
#define HILO_CLI_INTERNAL_H

#include <hiredis/hiredis.h>

/* Blocking connection (5 s timeout) with AUTH and SELECT from the URL;
 * prints why on stderr and returns NULL on failure. */
redisContext *hilo_cli_connect(const char *url);

#endif
