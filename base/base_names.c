/* base_names.c: lookups over the names tables of base_names.h. Every
 * function is a loop or an index over a table expanded from one X-macro;
 * no name, number or errno is written here.
 */
#include "base_names.h"

#include <string.h>

static bool same_word(const char *a, size_t alen, const char *b)
{
    return strlen(b) == alen && !memcmp(a, b, alen);
}

/* ------------------------------------------------------------ TCP states */

static const struct {
    const char *name;
    int linux_nr, linux_also;
    bool connected;
} tcp_states[BASE_TCP_NSTATES] = {
#define BASE_X(id, linux_nr, linux_also, conn) [BASE_TCP_##id] = {#id, linux_nr, linux_also, conn},
    BASE_TCP_STATES(BASE_X)
#undef BASE_X
};

const char *base_tcp_state_name(base_tcp_state s)
{
    return (unsigned)s < BASE_TCP_NSTATES ? tcp_states[s].name : "UNKNOWN";
}

int base_tcp_state_parse(const char *name, size_t len, base_tcp_state *out)
{
    for (int s = 0; s < BASE_TCP_NSTATES; s++)
        if (same_word(name, len, tcp_states[s].name)) {
            *out = (base_tcp_state)s;
            return 0;
        }
    return -EINVAL;
}

int base_tcp_state_linux(base_tcp_state s)
{
    return (unsigned)s < BASE_TCP_NSTATES ? tcp_states[s].linux_nr : -1;
}

base_tcp_state base_tcp_state_of_linux(int linux_state)
{
    for (int s = 0; s < BASE_TCP_NSTATES; s++)
        if (linux_state >= 0 &&
            (tcp_states[s].linux_nr == linux_state || tcp_states[s].linux_also == linux_state))
            return (base_tcp_state)s;
    return BASE_TCP_NSTATES;
}

bool base_tcp_state_connected(base_tcp_state s)
{
    return (unsigned)s < BASE_TCP_NSTATES && tcp_states[s].connected;
}

/* ----------------------------------------------------------- event kinds */

static const struct {
    const char *name;
    bool leaves, arrives;
    const char *chip;
} event_kinds[BASE_EV_END_] = {
#define BASE_X(id, leaves, arrives, chip) [BASE_EV_##id] = {#id, leaves, arrives, chip},
    BASE_EVENT_KINDS(BASE_X)
#undef BASE_X
};

static bool event_kind_valid(base_event_kind k)
{
    return k > BASE_EV_NONE_ && k < BASE_EV_END_;
}

const char *base_event_kind_name(base_event_kind k)
{
    return event_kind_valid(k) ? event_kinds[k].name : "UNKNOWN";
}

int base_event_kind_parse(const char *name, size_t len, base_event_kind *out)
{
    for (int k = BASE_EV_NONE_ + 1; k < BASE_EV_END_; k++)
        if (same_word(name, len, event_kinds[k].name)) {
            *out = (base_event_kind)k;
            return 0;
        }
    return -EINVAL;
}

bool base_event_leaves(base_event_kind k)
{
    return event_kind_valid(k) && event_kinds[k].leaves;
}

bool base_event_arrives(base_event_kind k)
{
    return event_kind_valid(k) && event_kinds[k].arrives;
}

const char *base_event_kind_chip(base_event_kind k)
{
    return event_kind_valid(k) ? event_kinds[k].chip : NULL;
}

/* ------------------------------------------------------------ exceptions */

static const struct {
    const char *name;
    int errnos[4]; /* 0 pads */
} exceptions[BASE_EXC_COUNT] = {
#define BASE_X(id, name, e1, e2, e3, e4) [BASE_EXC_##id] = {name, {e1, e2, e3, e4}},
    BASE_EXCEPTIONS(BASE_X)
#undef BASE_X
};

const char *base_exc_name(base_exc e)
{
    return (unsigned)e < BASE_EXC_COUNT ? exceptions[e].name : exceptions[BASE_EXC_OS].name;
}

int base_exc_parse(const char *name, size_t len, base_exc *out)
{
    for (int e = 0; e < BASE_EXC_COUNT; e++)
        if (e != BASE_EXC_NONE && same_word(name, len, exceptions[e].name)) {
            *out = (base_exc)e;
            return 0;
        }
    return -EINVAL;
}

base_exc base_exc_of_errno(int neg_errno)
{
    int err = neg_errno < 0 ? -neg_errno : neg_errno;
    if (err == 0)
        return BASE_EXC_OS;
    for (int e = 0; e < BASE_EXC_COUNT; e++)
        for (int i = 0; i < 4; i++)
            if (exceptions[e].errnos[i] == err)
                return (base_exc)e;
    return BASE_EXC_OS;
}

const char *base_exception_name(int neg_errno)
{
    return base_exc_name(base_exc_of_errno(neg_errno));
}
