/* Replays a fuzzing corpus without libFuzzer: feeds every regular file of
 * the directory argv[1] to LLVMFuzzerTestOneInput, so ordinary test runs
 * (and sanitizer builds) keep exercising the corpus. Prints TAP. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, ran = 0;
    int ret = 1;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    if (!(d = opendir(argv[1]))) {
        perror(argv[1]);
        return 1;
    }
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char **nn = realloc(names, (n + 1) * sizeof(*names));
        if (!nn)
            goto out;
        names = nn;
        if (!(names[n] = strdup(e->d_name)))
            goto out;
        n++;
    }
    qsort(names, n, sizeof(*names), name_cmp);
    printf("1..%zu\n", n);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
        FILE *f = fopen(path, "rb");
        if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
            if (f)
                fclose(f);
            printf("ok %zu - %s # SKIP not a regular file\n", i + 1, names[i]);
            continue;
        }
        size_t size = (size_t)st.st_size;
        uint8_t *buf = malloc(size ? size : 1);
        if (!buf || fread(buf, 1, size, f) != size) {
            fclose(f);
            free(buf);
            printf("not ok %zu - %s # read error\n", i + 1, names[i]);
            goto out;
        }
        fclose(f);
        /* Exact-size copy so ASan catches reads past the input. */
        LLVMFuzzerTestOneInput(buf, size);
        free(buf);
        printf("ok %zu - %s\n", i + 1, names[i]);
        ran++;
    }
    ret = 0;
out:
    closedir(d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return ret;
}
