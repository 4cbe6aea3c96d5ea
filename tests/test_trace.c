/* test_trace.c: a trace session (trace/trace.h) on the article's chat
 * scripts (tests/trace/): stepped mode holds each call until released and
 * shows the kernel's queues while it holds; the ring keeps the newest
 * events while the transcript has them all. Runs on the emulated wire
 * where it can be had, else on loopback (the scripts then bind 8080 on
 * this machine).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

#define SERVER "python3 " SOCKBUF_SOURCE_DIR "/tests/trace/chat_server.py"
#define CLIENT "python3 " SOCKBUF_SOURCE_DIR "/tests/trace/chat_client.py"

static net_wire *wire;

static int setup(void **state)
{
    (void)state;
    char msg[NET_WIRE_MSG_LEN] = "";
    if (net_wire_start(&wire, NULL, msg) < 0) {
        fprintf(stderr, "test_trace: no wire (%s): loopback\n", msg);
        wire = NULL;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    net_wire_free(wire);
    return 0;
}

static trace_opts chat_opts(void)
{
    trace_opts o;
    memset(&o, 0, sizeof o);
    o.runs[0] = SERVER;
    o.runs[1] = CLIENT;
    o.nruns = 2;
    o.wire = wire;
    o.link.latency_us = 5000;
    o.link.rate_bps = 10000000;
    o.link.mss_bytes = 1460;
    o.timeout_us = 30000000;
    return o;
}

/* Done events of run and call in the ring. */
static int count_done(const trace_session *s, int run, trace_call call)
{
    int n = 0;
    for (size_t i = 0; i < trace_event_count(s); i++) {
        const trace_event *e = trace_event_at(s, i);
        n += e->run == run && e->call == call && e->done;
    }
    return n;
}

/* Stepped: the server's first recv is held, and does not happen, while
 * the client's two sends land; the queues shown while it is held are the
 * kernel's (16 bytes waiting), and once released it returns those 16.
 * seccomp: held in the kernel by seccomp user notification, else by the
 * preload library (the fallback). */
static void stepped_holds_until_released(bool seccomp)
{
    trace_opts o = chat_opts();
    o.stepped = true;
    o.no_seccomp = !seccomp;
    trace_session *s = NULL;
    char msg[TRACE_MSG_LEN] = "";
    if (trace_start(&o, &s, msg) < 0)
        fail_msg("trace_start: %s", msg);
    bool checked = false;
    uint64_t both_sent_at = 0;
    int rc;
    while ((rc = trace_pump(s, 50)) > 0) {
        const trace_event *h = trace_held_run(s, 0);
        if (h && !checked && h->call == TRACE_C_RECV) {
            /* Hold the server here; let the client run on. */
            if (trace_held_run(s, 1))
                trace_release_run(s, 1);
            if (count_done(s, 1, TRACE_C_SEND) == 2 && !both_sent_at)
                both_sent_at = net_wire_now_us();
            if (both_sent_at && net_wire_now_us() > both_sent_at + 300000) {
                assert_false(h->done);
                assert_int_equal(trace_held_by_seccomp(s, 0), seccomp);
                assert_int_equal(count_done(s, 0, TRACE_C_RECV), 0);
                assert_int_equal(h->after.have, 1);
                assert_int_equal(h->after.inq_bytes, 16);
                assert_string_equal(h->where, "chat_server.py:16");
                checked = true;
                trace_play(s);
            }
            continue;
        }
        if (h)
            trace_release_run(s, 0);
        if (trace_held_run(s, 1))
            trace_release_run(s, 1);
    }
    assert_int_equal(rc, 0);
    assert_true(checked);
    bool found = false;
    for (size_t i = 0; i < trace_event_count(s) && !found; i++) {
        const trace_event *e = trace_event_at(s, i);
        if (e->run == 0 && e->call == TRACE_C_RECV && e->done) {
            assert_int_equal(e->ret, 16);
            assert_memory_equal(e->data, "Hi\nHow are you?\n", 16);
            assert_int_equal(e->before.inq_bytes, 16);
            found = true;
        }
    }
    assert_true(found);
    /* Every step is a call of the programs': none is the C library's own
     * (nscd, netlink for 'localhost'), which seccomp alone would see. */
    for (size_t i = 0; i < trace_event_count(s); i++)
        assert_string_not_equal(trace_event_at(s, i)->name, "(unseen)");
    assert_int_equal(trace_exit_code(s, 0), 0);
    assert_int_equal(trace_exit_code(s, 1), 0);
    trace_free(s);
}

static void test_trace_stepped_holds_until_released_seccomp(void **state)
{
    (void)state;
    stepped_holds_until_released(true);
}

static void test_trace_stepped_holds_until_released_preload(void **state)
{
    (void)state;
    stepped_holds_until_released(false);
}

/* A statically linked server ignores the preload library, but seccomp
 * still holds its calls: its socket() waits until released (the client
 * has not started: the server has not listened), and its close() of a
 * socket waits too (the library, which it has not, is not what holds
 * close()); then the run goes on and ends as without sockbuf. */
static void test_trace_stepped_holds_a_static_program(void **state)
{
    (void)state;
    char dir[] = "/tmp/sockbuf-trace-XXXXXX", cmd[512], server[128];
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "cc -static -o %s/static_server %s/tests/trace/static_server.c",
             dir, SOCKBUF_SOURCE_DIR);
    if (system(cmd) != 0) {
        rmdir(dir);
        skip(); /* no static libc here */
    }
    snprintf(server, sizeof server, "%s/static_server", dir);
    trace_opts o = chat_opts();
    o.runs[0] = server;
    o.runs[1] = "python3 -c \"import socket; s = socket.create_connection(('localhost', 8080)); "
                "s.sendall(b'x' * 100); s.close()\"";
    o.stepped = true;
    trace_session *s = NULL;
    char msg[TRACE_MSG_LEN] = "";
    if (trace_start(&o, &s, msg) < 0)
        fail_msg("trace_start: %s", msg);
    const trace_event *h = NULL;
    uint64_t t0 = net_wire_now_us();
    while (!(h = trace_held_run(s, 0)) && net_wire_now_us() < t0 + 10000000)
        assert_true(trace_pump(s, 50) > 0);
    assert_non_null(h);
    assert_int_equal(h->call, TRACE_C_SOCKET);
    assert_true(trace_held_by_seccomp(s, 0));
    for (int i = 0; i < 10; i++) /* held: nothing happens */
        assert_true(trace_pump(s, 20) > 0);
    assert_non_null(trace_held_run(s, 0));
    assert_int_equal(trace_event_count(s), 0);
    /* Step on until the server's first close(): the accepted socket's. */
    int rc;
    t0 = net_wire_now_us();
    while ((rc = trace_pump(s, 50)) > 0 && net_wire_now_us() < t0 + 20000000) {
        if ((h = trace_held_run(s, 0)) && h->call == TRACE_C_CLOSE)
            break;
        trace_release_run(s, 0);
        trace_release_run(s, 1);
    }
    assert_int_equal(rc, 1);
    assert_non_null(h);
    assert_int_equal(h->call, TRACE_C_CLOSE);
    assert_true(h->fd >= 3);
    int closes = 0;
    for (int i = 0; i < 10; i++) { /* held: the server does not end */
        assert_true(trace_pump(s, 20) > 0);
        assert_int_equal(trace_exit_status(s, 0), -1);
    }
    assert_non_null(trace_held_run(s, 0));
    for (size_t i = 0; i < trace_event_count(s); i++) {
        const trace_event *e = trace_event_at(s, i);
        closes += e->run == 0 && e->call == TRACE_C_CLOSE;
    }
    assert_int_equal(closes, 0);
    trace_play(s);
    while ((rc = trace_pump(s, 100)) > 0) {
    }
    assert_int_equal(rc, 0);
    for (size_t i = 0; i < trace_event_count(s); i++) {
        const trace_event *e = trace_event_at(s, i);
        closes += e->run == 0 && e->call == TRACE_C_CLOSE;
    }
    assert_int_equal(closes, 2); /* the accepted socket's and the listener's */
    assert_int_equal(trace_exit_code(s, 0), 0);
    assert_int_equal(trace_exit_code(s, 1), 0);
    int unseen = 0;
    for (size_t i = 0; i < trace_event_count(s); i++) {
        const trace_event *e = trace_event_at(s, i);
        unseen += e->run == 0 && !strcmp(e->name, "(unseen)");
    }
    assert_true(unseen >= 4); /* socket, bind, listen, accept... */
    trace_free(s);
    unlink(server);
    rmdir(dir);
}

/* The ring keeps the newest ring_events events and counts the rest as
 * dropped; the transcript, streamed, has every one. */
static void test_trace_ring_is_bounded_transcript_is_whole(void **state)
{
    (void)state;
    trace_opts o = chat_opts();
    char *buf = NULL;
    size_t len = 0;
    o.transcript = open_memstream(&buf, &len);
    assert_non_null(o.transcript);
    o.ring_events = 4;
    trace_session *s = NULL;
    char msg[TRACE_MSG_LEN] = "";
    if (trace_start(&o, &s, msg) < 0)
        fail_msg("trace_start: %s", msg);
    int rc;
    while ((rc = trace_pump(s, 100)) > 0) {
    }
    assert_int_equal(rc, 0);
    assert_int_equal(trace_event_count(s), 4);
    uint64_t dropped = trace_events_dropped(s);
    assert_true(dropped >= 8);
    const trace_event *last = trace_event_at(s, 3);
    assert_int_equal(last->seq, dropped + 4);
    assert_null(trace_event_at(s, 4));
    fclose(o.transcript);
    int lines = 0;
    for (char *p = buf; (p = strstr(p, "{\"event\":")); p++)
        lines++;
    assert_int_equal(lines, (int)(dropped + 4));
    assert_non_null(strstr(buf, "\"trace\":\"end\""));
    free(buf);
    trace_free(s);
}

int main(void)
{
    if (access("/usr/bin/python3", X_OK) && system("python3 -c pass >/dev/null 2>&1")) {
        fprintf(stderr, "test_trace: python3 missing (scripts/setup installs it)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_stepped_holds_until_released_seccomp),
        cmocka_unit_test(test_trace_stepped_holds_until_released_preload),
        cmocka_unit_test(test_trace_stepped_holds_a_static_program),
        cmocka_unit_test(test_trace_ring_is_bounded_transcript_is_whole),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
