/* placeholder until the window lands */
#include <stdio.h>
#include "viz.h"
static int not_yet(void) { fputs("sockbuf: window not built yet\n", stderr); return 2; }
int viz_window_main(int argc, char **argv) { (void)argc; (void)argv; return not_yet(); }
int viz_render_main(int argc, char **argv) { (void)argc; (void)argv; return not_yet(); }
int viz_live_main(int argc, char **argv) { (void)argc; (void)argv; return not_yet(); }
