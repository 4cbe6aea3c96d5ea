/* placeholder until the lesson runner lands */
#include "lesson_cli.h"
int lesson_cli_check(int argc, char **argv, FILE *out, FILE *errout)
{
    (void)argc; (void)argv; (void)out;
    fputs("sockbuf check: not built yet\n", errout);
    return 2;
}
int lesson_cli_run(int argc, char **argv, FILE *out, FILE *errout)
{
    return lesson_cli_check(argc, argv, out, errout);
}
