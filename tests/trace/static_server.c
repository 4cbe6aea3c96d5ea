/* static_server.c: a statically linked server (LD_PRELOAD cannot reach
 * it) for tests/trace_check.sh: binds every address on port 8080, accepts
 * one client, reads until the end of the stream, prints the count, and
 * closes both sockets (stepped, seccomp holds each close()). */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(8080);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 5) < 0)
        return 1;
    int c = accept(s, NULL, NULL);
    char buf[4096];
    long total = 0;
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0)
        total += n;
    printf("static server received %ld bytes\n", total);
    close(c);
    close(s);
    return 0;
}
