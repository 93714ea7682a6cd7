/* Command-line tools: `hilo agent ...` and `hilo apikey ...`. They use
 * blocking hiredis and run instead of the server, never on its loop. */
#ifndef HILO_CLI_H
#define HILO_CLI_H

/* hilo agent add|passwd|remove NAME [--display D] [--team T] [--admin] |
 * list. Prints a new password on stdout. Returns a process exit code. */
int hilo_cli_agent(int argc, char **argv, const char *redis_url, const char *prefix);

/* hilo apikey add|remove NAME | list. Prints a new key on stdout. Returns a
 * process exit code. */
int hilo_cli_apikey(int argc, char **argv, const char *redis_url, const char *prefix);

#endif
