/* placeholder: being written */
typedef int placeholder_viz_app;
