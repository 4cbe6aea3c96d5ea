/* test_base_names.c: the names tables (TCP states, event kinds, Python
 * exceptions) of base_names.h.
 *
 * Known answers are written here independently of the tables: the names
 * are SPEC.md's, Linux's state numbers are <netinet/tcp.h>'s TCP_*
 * constants, and the errno mapping is CPython's (Objects/exceptions.c,
 * the errnomap of OSError's subclasses, on Linux).
 */
/* clang-format off: cmocka's order */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
/* clang-format on */

#include <cmocka.h>

#include <errno.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <string.h>

#include "base_names.h"

/* Every TCP state has a distinct name that parses back to it. */
static void test_base_names_tcp_state_round_trips(void **state)
{
    (void)state;
    for (int s = 0; s < BASE_TCP_NSTATES; s++) {
        const char *name = base_tcp_state_name((base_tcp_state)s);
        assert_string_not_equal(name, "UNKNOWN");
        base_tcp_state back = BASE_TCP_NSTATES;
        assert_int_equal(base_tcp_state_parse(name, strlen(name), &back), 0);
        assert_int_equal(back, s);
        for (int t = 0; t < s; t++)
            assert_string_not_equal(name, base_tcp_state_name((base_tcp_state)t));
    }
    base_tcp_state out;
    assert_int_equal(base_tcp_state_parse("FIN_WAIT", 8, &out), -EINVAL);
    assert_int_equal(base_tcp_state_parse("ESTABLISHEDX", 11, &out), 0); /* len counts */
    assert_int_equal(out, BASE_TCP_ESTABLISHED);
    assert_string_equal(base_tcp_state_name(BASE_TCP_NSTATES), "UNKNOWN");
}

/* The states and their names are SPEC.md's, their numbers Linux's. */
static void test_base_names_tcp_state_matches_linux(void **state)
{
    (void)state;
    static const struct {
        base_tcp_state s;
        const char *name;
        int linux_nr;
    } want[] = {
        {BASE_TCP_ESTABLISHED, "ESTABLISHED", TCP_ESTABLISHED},
        {BASE_TCP_SYN_SENT, "SYN_SENT", TCP_SYN_SENT},
        {BASE_TCP_SYN_RECV, "SYN_RECV", TCP_SYN_RECV},
        {BASE_TCP_FIN_WAIT1, "FIN_WAIT1", TCP_FIN_WAIT1},
        {BASE_TCP_FIN_WAIT2, "FIN_WAIT2", TCP_FIN_WAIT2},
        {BASE_TCP_TIME_WAIT, "TIME_WAIT", TCP_TIME_WAIT},
        {BASE_TCP_CLOSED, "CLOSED", TCP_CLOSE},
        {BASE_TCP_CLOSE_WAIT, "CLOSE_WAIT", TCP_CLOSE_WAIT},
        {BASE_TCP_LAST_ACK, "LAST_ACK", TCP_LAST_ACK},
        {BASE_TCP_LISTEN, "LISTEN", TCP_LISTEN},
        {BASE_TCP_CLOSING, "CLOSING", TCP_CLOSING},
    };
    size_t n = sizeof want / sizeof want[0];
    assert_int_equal(n, BASE_TCP_NSTATES); /* every state is listed */
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(base_tcp_state_name(want[i].s), want[i].name);
        assert_int_equal(base_tcp_state_linux(want[i].s), want[i].linux_nr);
        assert_int_equal(base_tcp_state_of_linux(want[i].linux_nr), want[i].s);
    }
    assert_int_equal(base_tcp_state_of_linux(12), BASE_TCP_SYN_RECV); /* TCP_NEW_SYN_RECV */
    assert_int_equal(base_tcp_state_of_linux(0), BASE_TCP_CLOSED);
    assert_int_equal(base_tcp_state_of_linux(13), BASE_TCP_NSTATES);
    assert_int_equal(base_tcp_state_of_linux(-1), BASE_TCP_NSTATES);
    assert_string_equal(base_tcp_state_name(base_tcp_state_of_linux(99)), "UNKNOWN");
    assert_int_equal(base_tcp_state_linux(BASE_TCP_NSTATES), -1);
}

/* A connection carries bytes in ESTABLISHED, FIN_WAIT1/2, CLOSE_WAIT only. */
static void test_base_names_tcp_state_connected(void **state)
{
    (void)state;
    for (int s = 0; s < BASE_TCP_NSTATES; s++) {
        bool want = s == BASE_TCP_ESTABLISHED || s == BASE_TCP_FIN_WAIT1 ||
                    s == BASE_TCP_FIN_WAIT2 || s == BASE_TCP_CLOSE_WAIT;
        assert_int_equal(base_tcp_state_connected((base_tcp_state)s), want);
    }
    assert_false(base_tcp_state_connected(BASE_TCP_NSTATES));
}

/* The 16 event kinds count from 1, each with a distinct name that parses
 * back to it, and each leaves, arrives, or neither (never both). */
static void test_base_names_event_kind_round_trips(void **state)
{
    (void)state;
    assert_int_equal(BASE_EV_WRITE, 1);
    assert_int_equal(BASE_EV_END_ - 1, 16);
    assert_int_equal(BASE_EV_ACCEPT, 16);
    for (int k = 1; k < BASE_EV_END_; k++) {
        const char *name = base_event_kind_name((base_event_kind)k);
        assert_string_not_equal(name, "UNKNOWN");
        base_event_kind back = BASE_EV_NONE_;
        assert_int_equal(base_event_kind_parse(name, strlen(name), &back), 0);
        assert_int_equal(back, k);
        for (int j = 1; j < k; j++)
            assert_string_not_equal(name, base_event_kind_name((base_event_kind)j));
        assert_false(base_event_leaves((base_event_kind)k) &&
                     base_event_arrives((base_event_kind)k));
    }
    assert_string_equal(base_event_kind_name(BASE_EV_NONE_), "UNKNOWN");
    assert_string_equal(base_event_kind_name(BASE_EV_END_), "UNKNOWN");
}

/* What goes onto the wire and what comes off it, kind by kind. */
static void test_base_names_event_kind_directions(void **state)
{
    (void)state;
    static const base_event_kind leaves[] = {BASE_EV_SEGMENT, BASE_EV_ACK, BASE_EV_WINDOW,
                                             BASE_EV_PROBE,   BASE_EV_SYN, BASE_EV_FIN,
                                             BASE_EV_RST};
    static const base_event_kind arrives[] = {BASE_EV_DELIVER, BASE_EV_ACK_ARRIVE,
                                              BASE_EV_FIN_ARRIVE, BASE_EV_RST_ARRIVE};
    int n_leaves = 0, n_arrives = 0;
    for (int k = 1; k < BASE_EV_END_; k++) {
        n_leaves += base_event_leaves((base_event_kind)k);
        n_arrives += base_event_arrives((base_event_kind)k);
    }
    assert_int_equal(n_leaves, sizeof leaves / sizeof leaves[0]);
    assert_int_equal(n_arrives, sizeof arrives / sizeof arrives[0]);
    for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++)
        assert_true(base_event_leaves(leaves[i]));
    for (size_t i = 0; i < sizeof arrives / sizeof arrives[0]; i++)
        assert_true(base_event_arrives(arrives[i]));
}

/* The window's wire chips: the kinds that leave, as the window labels
 * them; SEGMENT (drawn with its bytes) and every other kind have none. */
static void test_base_names_event_kind_chips(void **state)
{
    (void)state;
    static const struct {
        base_event_kind k;
        const char *chip;
    } want[] = {
        {BASE_EV_ACK, "ACK"}, {BASE_EV_WINDOW, "WIN"}, {BASE_EV_PROBE, "PROBE"},
        {BASE_EV_SYN, "SYN"}, {BASE_EV_FIN, "FIN"},    {BASE_EV_RST, "RST"},
    };
    int n = 0;
    for (int k = 1; k < BASE_EV_END_; k++)
        n += base_event_kind_chip((base_event_kind)k) != NULL;
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_string_equal(base_event_kind_chip(want[i].k), want[i].chip);
    assert_null(base_event_kind_chip(BASE_EV_SEGMENT));
    assert_null(base_event_kind_chip(BASE_EV_END_));
}

/* Every exception has a distinct name that parses back to it; "None" is
 * BASE_EXC_NONE's name but no exception a lesson can name. */
static void test_base_names_exception_round_trips(void **state)
{
    (void)state;
    assert_int_equal(BASE_EXC_NONE, 0);
    assert_string_equal(base_exc_name(BASE_EXC_NONE), "None");
    base_exc out;
    assert_int_equal(base_exc_parse("None", 4, &out), -EINVAL);
    assert_int_equal(base_exc_parse("Error", 5, &out), -EINVAL);
    for (int e = 1; e < BASE_EXC_COUNT; e++) {
        const char *name = base_exc_name((base_exc)e);
        size_t len = strlen(name);
        assert_true(len > 5 && strcmp(name + len - 5, "Error") == 0);
        base_exc back = BASE_EXC_NONE;
        assert_int_equal(base_exc_parse(name, len, &back), 0);
        assert_int_equal(back, e);
        for (int f = 0; f < e; f++)
            assert_string_not_equal(name, base_exc_name((base_exc)f));
    }
    assert_string_equal(base_exc_name(BASE_EXC_COUNT), "OSError");
}

/* errno -> exception is CPython's OSError subclass mapping on Linux; any
 * other errno (and 0) raises OSError, and the sign does not matter. */
static void test_base_names_errno_matches_cpython(void **state)
{
    (void)state;
    static const struct {
        int err;
        const char *name;
    } want[] = {
        {ECONNRESET, "ConnectionResetError"},
        {EPIPE, "BrokenPipeError"},
        {ESHUTDOWN, "BrokenPipeError"},
        {EAGAIN, "BlockingIOError"},
        {EWOULDBLOCK, "BlockingIOError"},
        {EINPROGRESS, "BlockingIOError"},
        {EALREADY, "BlockingIOError"},
        {ECONNREFUSED, "ConnectionRefusedError"},
        {ECONNABORTED, "ConnectionAbortedError"},
        {ETIMEDOUT, "TimeoutError"},
        {EINTR, "InterruptedError"},
        {ENOENT, "FileNotFoundError"},
        {EEXIST, "FileExistsError"},
        {EISDIR, "IsADirectoryError"},
        {ENOTDIR, "NotADirectoryError"},
        {EACCES, "PermissionError"},
        {EPERM, "PermissionError"},
        {ECHILD, "ChildProcessError"},
        {ESRCH, "ProcessLookupError"},
        /* no subclass: plain OSError */
        {EBADF, "OSError"},
        {ENOTCONN, "OSError"},
        {EINVAL, "OSError"},
        {EADDRINUSE, "OSError"},
        {ENOMEM, "OSError"},
        {0, "OSError"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_string_equal(base_exception_name(-want[i].err), want[i].name);
        assert_string_equal(base_exception_name(want[i].err), want[i].name);
        base_exc e;
        assert_int_equal(base_exc_parse(want[i].name, strlen(want[i].name), &e), 0);
        assert_int_equal(base_exc_of_errno(-want[i].err), e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_names_tcp_state_round_trips),
        cmocka_unit_test(test_base_names_tcp_state_matches_linux),
        cmocka_unit_test(test_base_names_tcp_state_connected),
        cmocka_unit_test(test_base_names_event_kind_round_trips),
        cmocka_unit_test(test_base_names_event_kind_directions),
        cmocka_unit_test(test_base_names_event_kind_chips),
        cmocka_unit_test(test_base_names_exception_round_trips),
        cmocka_unit_test(test_base_names_errno_matches_cpython),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
