/* viz_module.c: the one exported symbol of libsockbuf-viz.so.
 *
 * main() dlopen()s the module for the window, `render` and the live
 * window, and calls through this table; everything else in the module is
 * local (viz_module.map). The runner, the model and the wire are not in
 * the module: it links libsockbuf-core.so, the one copy the executable
 * has already loaded; the wire main() made is handed to the entry points.
 */
#include "viz.h"

static const viz_module table = {
    .abi = VIZ_MODULE_ABI,
    .window_main = viz_window_main,
    .window_early = viz_window_early,
    .render_main = viz_render_main,
    .live_window = viz_live_window,
    .trace_window = viz_trace_window,
};

const viz_module *viz_module_get(void)
{
    return &table;
}
