/* base_names.h: the project's names tables, each written once.
 *
 * Three X-macro tables: TCP states, the model's event kinds and Python
 * exceptions. Each table is the only place its vocabulary is spelled; the
 * enums of sim/ (sim_state, sim_event_kind) and lessons/
 * (lesson_tcp_state, lesson_event_kind, lesson_exc) are expanded from
 * them with the same values, so they cannot drift, and every lookup
 * (name, Linux's number, errno, parse) is a loop over the table.
 *
 * The names are SPEC.md's (the transcript, the lesson language): they must
 * not change. libc only.
 *
 *   table              row                                expands to
 *   BASE_TCP_STATES    X(ID, linux_nr, linux_also, conn)  base_tcp_state, sim_state,
 *                                                         lesson_tcp_state
 *   BASE_EVENT_KINDS   X(ID, leaves, arrives, "chip")     base_event_kind,
 *                                                         sim_event_kind,
 *                                                         lesson_event_kind
 *   BASE_EXCEPTIONS    X(ID, "Name", e1, e2, e3, e4)      base_exc, lesson_exc
 */
#ifndef SOCKBUF_BASE_NAMES_H
#define SOCKBUF_BASE_NAMES_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

/* ------------------------------------------------------------ TCP states */

/* TCP states, as lessons and the transcript name them (SPEC.md section 3):
 * the name is #ID. linux_nr: Linux's number (include/net/tcp_states.h,
 * TCP_INFO's tcpi_state); linux_also: another number that reads as this
 * state, or -1 (12 is TCP_NEW_SYN_RECV; 0 is unused by Linux and has
 * always read as CLOSED). conn: a connection is there to carry bytes. */
#define BASE_TCP_STATES(X)                                                                         \
    X(CLOSED, 7, 0, false)                                                                         \
    X(LISTEN, 10, -1, false)                                                                       \
    X(SYN_SENT, 2, -1, false)                                                                      \
    X(SYN_RECV, 3, 12, false)                                                                      \
    X(ESTABLISHED, 1, -1, true)                                                                    \
    X(FIN_WAIT1, 4, -1, true)                                                                      \
    X(FIN_WAIT2, 5, -1, true)                                                                      \
    X(CLOSE_WAIT, 8, -1, true)                                                                     \
    X(CLOSING, 11, -1, false)                                                                      \
    X(LAST_ACK, 9, -1, false)                                                                      \
    X(TIME_WAIT, 6, -1, false)

typedef enum {
#define BASE_X(id, linux_nr, linux_also, conn) BASE_TCP_##id,
    BASE_TCP_STATES(BASE_X)
#undef BASE_X
        BASE_TCP_NSTATES
} base_tcp_state;

/* "ESTABLISHED", "FIN_WAIT1"...; "UNKNOWN" out of range. Never NULL. */
const char *base_tcp_state_name(base_tcp_state s);

/* The state a name means (len bytes at name, exactly). Returns 0, or
 * -EINVAL for a name that is no state. */
int base_tcp_state_parse(const char *name, size_t len, base_tcp_state *out);

/* Linux's number of a state (TCP_ESTABLISHED = 1...); -1 out of range. */
int base_tcp_state_linux(base_tcp_state s);

/* The state of Linux's number; BASE_TCP_NSTATES for a number that is none
 * (its name is then "UNKNOWN"). */
base_tcp_state base_tcp_state_of_linux(int linux_state);

/* Is a connection there to carry bytes (ESTABLISHED, CLOSE_WAIT,
 * FIN_WAIT1, FIN_WAIT2)? */
bool base_tcp_state_connected(base_tcp_state s);

/* ----------------------------------------------------------- event kinds */

/* What happens in the model (sim.h's event log), for the animation.
 * The name is #ID; kinds count from 1. leaves: it goes onto the wire at
 * its sender; arrives: it comes off the wire at its receiver. chip: the
 * text of its chip on the window's wire, or NULL (not drawn as a chip; a
 * SEGMENT shows its bytes instead). */
#define BASE_EVENT_KINDS(X)                                                                        \
    X(WRITE, false, false, NULL)     /* app -> send queue: bytes accepted by send() */             \
    X(SEGMENT, true, false, NULL)    /* send queue -> wire: a data segment leaves */               \
    X(DELIVER, false, true, NULL)    /* wire -> receive queue: a data segment arrives */           \
    X(READ, false, false, NULL)      /* receive queue -> app: bytes returned by recv() */          \
    X(ACK, true, false, "ACK")       /* an ACK leaves (window = advertised window) */              \
    X(ACK_ARRIVE, false, true, NULL) /* an ACK arrives; bytes = newly acknowledged */              \
    X(WINDOW, true, false, "WIN")    /* a window update leaves (the reader drained) */             \
    X(PROBE, true, false, "PROBE")   /* a zero-window probe leaves */                              \
    X(SYN, true, false, "SYN")       /* a SYN or SYN-ACK leaves */                                 \
    X(FIN, true, false, "FIN")       /* a FIN leaves */                                            \
    X(FIN_ARRIVE, false, true, NULL) /* a FIN arrives */                                           \
    X(RST, true, false, "RST")       /* an RST leaves */                                           \
    X(RST_ARRIVE, false, true, NULL) /* an RST arrives */                                          \
    X(STATE, false, false, NULL)     /* a socket changed TCP state (state = new one) */            \
    X(TIMER, false, false, NULL)     /* a timer fired (why names it) */                            \
    X(ACCEPT, false, false, NULL)    /* a connection was taken from the accept queue */

typedef enum {
    BASE_EV_NONE_ = 0, /* no kind: kinds count from 1 */
#define BASE_X(id, leaves, arrives, chip) BASE_EV_##id,
    BASE_EVENT_KINDS(BASE_X)
#undef BASE_X
        BASE_EV_END_ /* one past the last kind */
} base_event_kind;

/* "WRITE", "ACK_ARRIVE"...; "UNKNOWN" out of range. Never NULL. */
const char *base_event_kind_name(base_event_kind k);

/* The kind a name means. Returns 0, or -EINVAL. */
int base_event_kind_parse(const char *name, size_t len, base_event_kind *out);

/* Does this kind go onto the wire (SEGMENT, ACK, WINDOW, PROBE, SYN, FIN,
 * RST)? */
bool base_event_leaves(base_event_kind k);

/* Does this kind come off the wire (DELIVER, ACK_ARRIVE, FIN_ARRIVE,
 * RST_ARRIVE)? */
bool base_event_arrives(base_event_kind k);

/* The text of a kind's chip on the window's wire ("SYN", "WIN"...), or
 * NULL for a kind drawn otherwise or not at all. */
const char *base_event_kind_chip(base_event_kind k);

/* ------------------------------------------------------------ exceptions */

/* The Python exceptions sockbuf raises and a lesson can name, with the
 * errnos CPython maps to each OSError subclass on Linux
 * (Objects/exceptions.c, _PyExc_InitState's errnomap); 0 pads the list.
 * An errno in no row raises OSError. NONE ("None") is no exception: the
 * value of a side's `error` before its first one. The order is the
 * lessons' (lesson_exc keeps its values); new rows go at the end. */
#define BASE_EXCEPTIONS(X)                                                                         \
    X(NONE, "None", 0, 0, 0, 0)                                                                    \
    X(CONNECTION_RESET, "ConnectionResetError", ECONNRESET, 0, 0, 0)                               \
    X(BROKEN_PIPE, "BrokenPipeError", EPIPE, ESHUTDOWN, 0, 0)                                      \
    X(BLOCKING_IO, "BlockingIOError", EAGAIN, EWOULDBLOCK, EINPROGRESS, EALREADY)                  \
    X(CONNECTION_REFUSED, "ConnectionRefusedError", ECONNREFUSED, 0, 0, 0)                         \
    X(CONNECTION_ABORTED, "ConnectionAbortedError", ECONNABORTED, 0, 0, 0)                         \
    X(TIMEOUT, "TimeoutError", ETIMEDOUT, 0, 0, 0)                                                 \
    X(INTERRUPTED, "InterruptedError", EINTR, 0, 0, 0)                                             \
    X(OS, "OSError", 0, 0, 0, 0)                                                                   \
    X(FILE_NOT_FOUND, "FileNotFoundError", ENOENT, 0, 0, 0)                                        \
    X(PERMISSION, "PermissionError", EACCES, EPERM, 0, 0)                                          \
    X(TYPE, "TypeError", 0, 0, 0, 0)                                                               \
    X(VALUE, "ValueError", 0, 0, 0, 0)                                                             \
    X(NAME, "NameError", 0, 0, 0, 0)                                                               \
    X(ATTRIBUTE, "AttributeError", 0, 0, 0, 0)                                                     \
    X(OVERFLOW, "OverflowError", 0, 0, 0, 0)                                                       \
    X(MEMORY, "MemoryError", 0, 0, 0, 0)                                                           \
    X(FILE_EXISTS, "FileExistsError", EEXIST, 0, 0, 0)                                             \
    X(IS_A_DIRECTORY, "IsADirectoryError", EISDIR, 0, 0, 0)                                        \
    X(NOT_A_DIRECTORY, "NotADirectoryError", ENOTDIR, 0, 0, 0)                                     \
    X(CHILD_PROCESS, "ChildProcessError", ECHILD, 0, 0, 0)                                         \
    X(PROCESS_LOOKUP, "ProcessLookupError", ESRCH, 0, 0, 0)                                        \
    X(INDEX, "IndexError", 0, 0, 0, 0)                                                             \
    X(KEY, "KeyError", 0, 0, 0, 0)

typedef enum {
#define BASE_X(id, name, e1, e2, e3, e4) BASE_EXC_##id,
    BASE_EXCEPTIONS(BASE_X)
#undef BASE_X
        BASE_EXC_COUNT
} base_exc;

/* "BrokenPipeError"...; "None" for BASE_EXC_NONE; "OSError" out of
 * range. Never NULL. */
const char *base_exc_name(base_exc e);

/* The exception a name means ("None" is none). Returns 0, or -EINVAL. */
int base_exc_parse(const char *name, size_t len, base_exc *out);

/* The exception CPython raises on Linux for a negative (or positive)
 * errno: -ECONNRESET BASE_EXC_CONNECTION_RESET, -EPIPE
 * BASE_EXC_BROKEN_PIPE, -EAGAIN BASE_EXC_BLOCKING_IO...; BASE_EXC_OS for
 * the rest (0 included). */
base_exc base_exc_of_errno(int neg_errno);

/* base_exc_name(base_exc_of_errno(neg_errno)): "ConnectionResetError"... */
const char *base_exception_name(int neg_errno);

#endif
