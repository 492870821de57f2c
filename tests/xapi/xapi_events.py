"""event.from and event.inject as ocaml/xapi/xapi_event.ml implements them.

A token is "%020d,%020d" % (database generation, message generation); ""
means generation 0.  A call returns, for the objects its subscriptions
select, one event per object changed since the token's generation: `add`
when the object was created after it, `mod` when only modified, `del`
when it existed at the token and is gone (an object created and deleted
in between gives nothing).  The snapshot is the record as it is when the
call returns, so several changes coalesce into one event.  When nothing
matches, the call waits until something does or the timeout passes, and
then returns no events.  As xapi, it waits 50 ms before looking and a
growing pause (up to 50 ms) after each wake-up, which batches bursts.
"""

import time

from xapi_db import ApiError

DELAY_BEFORE = 0.05
DELAY_BETWEEN = 0.05


def parse_token(db, token):
    if token == '':
        return 0, 0
    parts = token.split(',')
    try:
        if len(parts) != 2:
            raise ValueError
        gen, msg_gen = int(parts[0]), int(parts[1])
    except ValueError:
        raise ApiError('EVENT_FROM_TOKEN_PARSE_FAILURE', token) from None
    if 0 < gen < db.token_floor:
        # Injected by the control interface (lose_tokens); xapi itself
        # parses every well-formed token.
        raise ApiError('EVENT_FROM_TOKEN_PARSE_FAILURE', token)
    return gen, msg_gen


def format_token(gen, msg_gen):
    return '%020d,%020d' % (gen, msg_gen)


def parse_subscriptions(classes):
    subs = []
    for c in classes:
        if c == '*':
            subs.append(('*', None))
        else:
            cls, _, ref = c.partition('/')
            subs.append((cls.lower(), ref or None))
    return subs


def table_matches(subs, table):
    t = table.lower()
    return any(c == '*' or c == t for c, _ in subs)


def object_matches(subs, table, ref):
    t = table.lower()
    return any(c == '*' or (c == t and (r is None or r == ref))
        for c, r in subs)


def event(table, op, ref, time_, snapshot=None):
    ev = {'id': str(time_), 'timestamp': '0.0', 'class': table.lower(),
        'operation': op, 'ref': ref}
    if snapshot is not None:    # xapi leaves the key out of a del
        ev['snapshot'] = snapshot
    return ev


def collect(db, subs, since, from_t):
    """The events after (since, from_t); caller holds db.cond."""
    adds, mods, dels = [], [], []
    last = since
    for table, rows in db.tables.items():
        if not table_matches(subs, table):
            continue
        for ref, r in rows.items():
            if r.mtime <= since or not object_matches(subs, table, ref):
                continue
            last = max(last, r.mtime)
            snap = dict(r.rec)
            if r.ctime > since:
                adds.append((r.ctime, event(table, 'add', ref, r.ctime, snap)))
            else:
                mods.append((r.mtime, event(table, 'mod', ref, r.mtime, snap)))
        for (dtable, ref, ctime, dtime) in db.deleted:
            if dtable != table or dtime <= since:
                continue
            if not object_matches(subs, table, ref):
                continue
            last = max(last, dtime)
            if ctime <= since:
                dels.append((dtime, event(table, 'del', ref, dtime)))
    msgs, msg_gen = [], 0
    if table_matches(subs, 'message'):
        msg_gen = db.msg_gen
        for ref, (rec, g) in db.messages.items():
            if g > from_t:
                msgs.append((g, event('message', 'add', ref, 0, dict(rec))))
        for ref, g in db.msg_deleted:
            if g > from_t:
                msgs.append((g, event('message', 'del', ref, 0)))
    evs = [e for _, e in sorted(msgs, key=lambda x: x[0])]
    for group in (adds, mods, dels):
        evs += [e for _, e in sorted(group, key=lambda x: x[0])]
    return evs, last, msg_gen


def event_from(db, session, classes, token, timeout):
    since, from_t = parse_token(db, token)
    subs = parse_subscriptions(classes)
    deadline = time.monotonic() + max(0.0, timeout)
    pause = DELAY_BETWEEN / 8
    time.sleep(DELAY_BEFORE)
    with db.cond:
        epoch = db.epoch
        while True:
            if session not in db.sessions:
                raise ApiError('SESSION_INVALID', session)
            if db.epoch != epoch:
                raise ApiError('EVENT_FROM_TOKEN_PARSE_FAILURE', token)
            evs, last, msg_gen = collect(db, subs, since, from_t)
            left = deadline - time.monotonic()
            if evs or left <= 0:
                break
            # Nothing relevant: what was looked at counts as seen.
            since, from_t = last, msg_gen
            db.cond.wait(left)
            db.cond.release()
            try:
                time.sleep(pause)
                pause = min(DELAY_BETWEEN, 2 * pause)
            finally:
                db.cond.acquire()
        counts = db.valid_ref_counts()
    return {'events': evs, 'valid_ref_counts': counts,
        'token': format_token(last, msg_gen)}


def inject(db, cls, ref):
    """Touch the row; return a token just before that write."""
    with db.cond:
        if cls not in db.tables or ref not in db.tables[cls]:
            raise ApiError('HANDLE_INVALID', cls, ref)
        g = db.gen + 1
        db.set(cls, ref)
        db.save()
    return format_token(g - 1, 0)
