#include "hilo/embedded.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hilo/log.h"

struct hilo_embedded {
    uv_loop_t *loop;
    uv_process_t proc;
    uv_timer_t restart;
    char *bin, *dir, *sock;
    int lock_fd;
    int running, stopping, restarts;
    void (*done)(void *);
    void *done_data;
    int closing_handles;
};

static int spawn(struct hilo_embedded *e);

int hilo_embedded_url(const char *var_dir, char *url, size_t n)
{
    char real[PATH_MAX];
    if (!realpath(var_dir, real))
        return -errno;
    return (size_t)snprintf(url, n, "unix://%s/redis.sock", real) < n ? 0 : -ENAMETOOLONG;
}

static void handle_closed(uv_handle_t *h)
{
    struct hilo_embedded *e = h->data;
    if (--e->closing_handles)
        return;
    if (e->lock_fd >= 0)
        close(e->lock_fd);
    void (*done)(void *) = e->done;
    void *data = e->done_data;
    free(e->bin);
    free(e->dir);
    free(e->sock);
    free(e);
    if (done)
        done(data);
}

static void finish(struct hilo_embedded *e)
{
    e->closing_handles = 1;
    uv_close((uv_handle_t *)&e->restart, handle_closed);
}

static void restart_cb(uv_timer_t *t)
{
    struct hilo_embedded *e = t->data;
    if (!e->stopping && spawn(e) < 0)
        uv_timer_start(&e->restart, restart_cb, 2000, 0);
}

static void exit_cb(uv_process_t *p, int64_t status, int sig)
{
    struct hilo_embedded *e = p->data;
    e->running = 0;
    uv_close((uv_handle_t *)p, NULL);
    if (e->stopping) {
        hilo_info("private redis-server stopped");
        finish(e);
        return;
    }
    /* Redis died under us: the clients reconnect once it is back. */
    hilo_error("private redis-server exited (status %lld, signal %d); restarting",
               (long long)status, sig);
    e->restarts++;
    uv_timer_start(&e->restart, restart_cb, e->restarts > 5 ? 2000 : 200, 0);
}

static int spawn(struct hilo_embedded *e)
{
    char log[PATH_MAX + 16];
    char *args[32];
    int n = 0, rc;
    uv_process_options_t o;
    uv_stdio_container_t stdio[3];

    snprintf(log, sizeof log, "%s/redis.log", e->dir);
    args[n++] = e->bin;
    args[n++] = "--port";
    args[n++] = "0";
    args[n++] = "--unixsocket";
    args[n++] = e->sock;
    args[n++] = "--unixsocketperm";
    args[n++] = "700";
    args[n++] = "--dir";
    args[n++] = e->dir;
    args[n++] = "--appendonly";
    args[n++] = "yes";
    args[n++] = "--appendfsync";
    args[n++] = "everysec";
    args[n++] = "--save";
    args[n++] = "";
    args[n++] = "--daemonize";
    args[n++] = "no";
    args[n++] = "--logfile";
    args[n++] = log;
    args[n] = NULL;

    memset(&o, 0, sizeof o);
    memset(stdio, 0, sizeof stdio);
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_IGNORE;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = 2;
    o.file = e->bin;
    o.args = args;
    o.exit_cb = exit_cb;
    o.stdio = stdio;
    o.stdio_count = 3;
    e->proc.data = e;
    rc = uv_spawn(e->loop, &e->proc, &o);
    if (rc < 0) {
        hilo_error("cannot start %s: %s", e->bin, uv_strerror(rc));
        return rc;
    }
    e->running = 1;
    hilo_info("private redis-server started (pid %d, socket %s)", e->proc.pid, e->sock);
    return 0;
}

/* A redis-server left behind by a Hilo that was killed owns the socket and
 * the AOF: stop it before starting ours. */
static void stop_leftover(const char *dir)
{
    char pidfile[PATH_MAX + 16], buf[32], cmd[64], comm[64];
    FILE *f;
    long pid;
    snprintf(pidfile, sizeof pidfile, "%s/redis.pid", dir);
    f = fopen(pidfile, "r");
    if (!f)
        return;
    pid = fgets(buf, sizeof buf, f) ? strtol(buf, NULL, 10) : 0;
    fclose(f);
    if (pid <= 1)
        return;
    snprintf(cmd, sizeof cmd, "/proc/%ld/comm", pid);
    f = fopen(cmd, "r");
    if (!f)
        return;
    if (fgets(comm, sizeof comm, f) && strncmp(comm, "redis-server", 12) == 0) {
        hilo_warn("stopping a leftover private redis-server (pid %ld)", pid);
        kill((pid_t)pid, SIGTERM);
        for (int i = 0; i < 100 && kill((pid_t)pid, 0) == 0; i++)
            usleep(50000);
    }
    fclose(f);
}

struct hilo_embedded *hilo_embedded_start(uv_loop_t *loop, const char *redis_server,
                                          const char *var_dir, char *url, size_t n)
{
    char real[PATH_MAX], lockp[PATH_MAX + 16], pidp[PATH_MAX + 16];
    struct hilo_embedded *e;

    if (mkdir(var_dir, 0700) < 0 && errno != EEXIST) {
        hilo_error("option var_dir: cannot create %s: %s", var_dir, strerror(errno));
        return NULL;
    }
    if (!realpath(var_dir, real)) {
        hilo_error("option var_dir: %s: %s", var_dir, strerror(errno));
        return NULL;
    }
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->loop = loop;
    e->lock_fd = -1;
    snprintf(lockp, sizeof lockp, "%s/hilo.lock", real);
    e->lock_fd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (e->lock_fd < 0 || flock(e->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        hilo_error("option var_dir: %s is in use by another hilo (its private Redis); "
                   "give this one another --var-dir or a --redis-url",
                   real);
        if (e->lock_fd >= 0)
            close(e->lock_fd);
        free(e);
        return NULL;
    }
    stop_leftover(real);
    e->bin = strdup(redis_server);
    e->dir = strdup(real);
    e->sock = malloc(strlen(real) + 16);
    sprintf(e->sock, "%s/redis.sock", real); /* NOLINT: sized above */
    snprintf(url, n, "unix://%s", e->sock);
    uv_timer_init(loop, &e->restart);
    e->restart.data = e;
    if (spawn(e) < 0) {
        uv_close((uv_handle_t *)&e->restart, NULL);
        uv_run(loop, UV_RUN_NOWAIT);
        close(e->lock_fd);
        free(e->bin);
        free(e->dir);
        free(e->sock);
        free(e);
        return NULL;
    }
    snprintf(pidp, sizeof pidp, "%s/redis.pid", real);
    FILE *f = fopen(pidp, "w");
    if (f) {
        fprintf(f, "%d\n", e->proc.pid);
        fclose(f);
    }
    return e;
}

void hilo_embedded_stop(struct hilo_embedded *e, void (*done)(void *), void *data)
{
    e->done = done;
    e->done_data = data;
    e->stopping = 1;
    uv_timer_stop(&e->restart);
    if (e->running)
        uv_process_kill(&e->proc, SIGTERM);
    else
        finish(e);
}
