/* bench_startup_peer.c: the peer of bench_startup, a bare SDL window.
 *
 * Does what any SDL program must before its first frame, and nothing
 * more: SDL_Init(VIDEO), a 1280x720 window, a renderer chosen as
 * sockbuf's window chooses it (software when SDL_FRAMEBUFFER_ACCELERATION
 * is 0), one cleared frame presented. Then it prints the moment of that
 * present (CLOCK_MONOTONIC, "first-frame SECONDS") on stderr, as sockbuf
 * does under SOCKBUF_BENCH_FIRST_FRAME=1, and quits.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <SDL.h>

int main(void)
{
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) < 0) {
        fprintf(stderr, "bench_startup_peer: SDL_Init: %s\n", SDL_GetError());
        return 1;
    }
    SDL_Window *win = SDL_CreateWindow("peer", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, 1280,
                                       720, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    const char *accel = SDL_GetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION);
    int software = accel && (!strcmp(accel, "0") || !SDL_strcasecmp(accel, "false"));
    SDL_Renderer *ren =
        win && !software ? SDL_CreateRenderer(win, -1, SDL_RENDERER_PRESENTVSYNC) : NULL;
    if (win && !ren)
        ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
    if (!ren) {
        fprintf(stderr, "bench_startup_peer: %s\n", SDL_GetError());
        return 1;
    }
    SDL_Event ev;
    while (SDL_PollEvent(&ev))
        ;
    SDL_SetRenderDrawColor(ren, 24, 28, 36, 255);
    SDL_RenderClear(ren);
    SDL_RenderPresent(ren);
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    fprintf(stderr, "first-frame %ld.%09ld\n", (long)t.tv_sec, t.tv_nsec);
    SDL_DestroyRenderer(ren);
    SDL_DestroyWindow(win);
    SDL_Quit();
    return 0;
}
