/* placeholder: being written */
typedef int placeholder_lesson_parse;
