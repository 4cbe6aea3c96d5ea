# web/web.cmake: the browser build (SOCKBUF_WEB=ON, with emscripten's
# toolchain; scripts/web runs it). Included by the top-level CMakeLists.txt
# instead of the native targets: base/, sim/ and lessons/ (the real mode
# left out, SOCKBUF_REAL=OFF) and the drawing part of viz/ (no window
# module, no render, no fontconfig, no libpng) linked into one page,
# sockbuf.js + sockbuf.wasm, whose main is web/web_main.c. The lessons and
# fonts are put in its file system by scripts/web (--preload-file).

# Bundled lessons are found in the page's file system.
set(SOCKBUF_SOURCE_LESSONS "/lessons")
set(SOCKBUF_INSTALL_LESSONS "/lessons")

find_package(SDL2 REQUIRED CONFIG)
find_package(SDL2_ttf REQUIRED CONFIG)

add_subdirectory(base)
add_subdirectory(sim)
add_subdirectory(lessons)

set(VIZ_DIR ${PROJECT_SOURCE_DIR}/viz)
file(GLOB WEB_VIZ_SOURCES CONFIGURE_DEPENDS ${VIZ_DIR}/viz*.c)
# Not in the page: the window, the live window and the trace window
# (viz_window.c, SDL's own loop, live/ and trace/; viz_trace.c), render
# and its PNGs, animations and handouts (libpng, libwebp, giflib), the
# module, the man-page tool, fontconfig's lookup (the page's fonts are
# fixed files).
list(REMOVE_ITEM WEB_VIZ_SOURCES ${VIZ_DIR}/viz_module.c ${VIZ_DIR}/viz_keys_man.c
  ${VIZ_DIR}/viz_window.c ${VIZ_DIR}/viz_render.c ${VIZ_DIR}/viz_canvas.c ${VIZ_DIR}/viz_png.c
  ${VIZ_DIR}/viz_movie.c ${VIZ_DIR}/viz_pdf.c ${VIZ_DIR}/viz_font_fc.c ${VIZ_DIR}/viz_trace.c)
add_library(sockbuf_viz STATIC ${WEB_VIZ_SOURCES})
target_include_directories(sockbuf_viz PUBLIC ${VIZ_DIR})
target_link_libraries(sockbuf_viz PUBLIC sockbuf_base sockbuf_sim sockbuf_lessons
  SDL2_ttf::SDL2_ttf-static SDL2::SDL2-static)
target_compile_definitions(sockbuf_viz PRIVATE SOCKBUF_VERSION="${PROJECT_VERSION}")

add_executable(sockbuf_web ${PROJECT_SOURCE_DIR}/web/web_main.c)
target_link_libraries(sockbuf_web PRIVATE sockbuf_viz)
set_target_properties(sockbuf_web PROPERTIES OUTPUT_NAME sockbuf SUFFIX ".js")
# Memory grows with the lesson; the page calls web_open() (ccall), the
# Chromium test web_step(), web_progress() and web_asking(), the recorded
# kernel half's label web_lesson_name(), web_session_steps() and
# web_recorded();
# main runs once the lessons and fonts (sockbuf.data) are loaded.
target_link_options(sockbuf_web PRIVATE -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=web
  -sEXPORTED_FUNCTIONS=_main,_web_open,_web_step,_web_progress,_web_asking,_web_lesson_name,_web_session_steps,_web_lang_ja,_web_recorded -sEXPORTED_RUNTIME_METHODS=FS,ccall,UTF8ToString)
# The lessons and fonts scripts/web gathered, in the page's file system
# (sockbuf.data, loaded before main runs).
set(SOCKBUF_WEB_DATA "" CACHE PATH "The folder of the page's lessons/ and fonts/ (scripts/web)")
if(SOCKBUF_WEB_DATA)
  target_link_options(sockbuf_web PRIVATE "SHELL:--preload-file ${SOCKBUF_WEB_DATA}@/")
endif()

# sockbuf-model.js: the model's event log hashes (web_model.c) under node,
# reading the lessons from the real file system; scripts/web --test
# compares them with the native build's (tests/CMakeLists.txt).
add_executable(sockbuf_model_hash ${PROJECT_SOURCE_DIR}/web/web_model.c)
target_link_libraries(sockbuf_model_hash PRIVATE sockbuf_base sockbuf_sim sockbuf_lessons)
set_target_properties(sockbuf_model_hash PROPERTIES OUTPUT_NAME sockbuf-model SUFFIX ".js")
target_link_options(sockbuf_model_hash PRIVATE -sENVIRONMENT=node -sNODERAWFS=1
  -sWASM_ASYNC_COMPILATION=0 -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1)
