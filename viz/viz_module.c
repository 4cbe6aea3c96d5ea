/* viz_module.c: the one exported symbol of libsockbuf-viz.so.
 *
 * main() dlopen()s the module for the window, `render` and the live
 * window, and calls through this table; everything else in the module is
 * local (viz_module.map), so the module's copy of lessons/, net/ and sim/
 * never mixes with the executable's.
 */
#include "viz.h"

#include "lesson_run.h"

static const viz_module table = {
    .abi = VIZ_MODULE_ABI,
    .window_main = viz_window_main,
    .render_main = viz_render_main,
    .live_window = viz_live_window,
    .adopt_wire = lesson_wire_adopt,
};

const viz_module *viz_module_get(void)
{
    return &table;
}
