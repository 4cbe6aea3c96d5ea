/* viz_keys_man.c: `sockbuf-keys-man PAGE` prints the man page PAGE with
 * its KEYS region filled from the key table (viz_keys_man(), viz_keys.c).
 *
 * A build-time tool, not part of the module: cmd/CMakeLists.txt runs it on
 * what `sockbuf --manpage docs/sockbuf.1` wrote (the command table's
 * regions filled, this one kept as it was), since the binary may not link
 * SDL and the key table is SDL's keys. Every line outside the region
 * `.\" BEGIN GENERATED keys` ... `.\" END GENERATED` is copied unchanged.
 * Exits 1 when PAGE cannot be read or has no such region, 2 on usage.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "viz_keys.h"

static const char BEGIN[] = ".\\\" BEGIN GENERATED keys\n";
static const char END[] = ".\\\" END GENERATED";

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: sockbuf-keys-man PAGE\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        fprintf(stderr, "sockbuf-keys-man: cannot read '%s'\n", argv[1]);
        return 1;
    }
    char line[4096];
    bool inside = false, filled = false;
    while (fgets(line, sizeof line, in)) {
        if (inside) {
            if (strncmp(line, END, sizeof END - 1))
                continue; /* the old text: replaced */
            inside = false;
        }
        fputs(line, stdout);
        if (!filled && !strcmp(line, BEGIN)) {
            viz_keys_man(stdout);
            inside = filled = true;
        }
    }
    fclose(in);
    if (!filled || inside) {
        fprintf(stderr, "sockbuf-keys-man: %s: %s\n", argv[1],
                filled ? "the keys region has no END line" : "no region 'keys'");
        return 1;
    }
    return fflush(stdout) ? 1 : 0;
}
