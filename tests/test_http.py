#!/usr/bin/env python3
"""cpulevel-migcheck's HTTP front and the xapi host plugin, end to end.

A real cpulevel-featured is told a pool through the cpulevel CLI; a real
cpulevel-migcheck serves it with --http on a temporary unix socket, and is
asked with `curl --unix-socket`, as xapi's /services/plugin/cpulevel proxy
would ask it (with and without the prefix, with a session_id).  Its answers
are compared with the same questions asked over the bus (the CLI's --json),
and with proto/README.md.  Then plugins/cpulevel is run with argv built as
xapi builds it, and its XML-RPC answers are read back with
xmlrpc.client.  Prints TAP.

usage: test_http.py PLUGIN (meson passes plugins/cpulevel)
"""

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from xml.sax.saxutils import escape

CLI = os.environ.get('CPULEVEL_CLI')
FEATURED = os.environ.get('CPULEVEL_FEATURED')
MIGCHECK = os.environ.get('CPULEVEL_MIGCHECK')
PLUGIN = sys.argv[1] if len(sys.argv) > 1 else None

STRONG = 'ffffffff-0000ffff'
WEAK = '0fffffff-000000ff'
SECRET = 'OpaqueRef:5ec2e7-dead-beef-session'
PREFIX = '/services/plugin/cpulevel'
REASON_VENDOR = ('VM last booted on a host which had a CPU from a '
                 'different vendor.')
REASON_FEATURES = ("VM last booted on a CPU with features this host's CPU "
                   "does not have.")
MAX_CONNS = 64		# services/migcheck/http.c, HTTP_MAX_CONNS

n = 0
failed = 0


def ok(cond, what, detail=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, what), flush=True)
    if not cond and detail is not None:
        for line in repr(detail).splitlines():
            print('#   %s' % line)


def run(*argv, env=None):
    p = subprocess.run(argv, capture_output=True, text=True, env=env,
                       timeout=30)
    return p.returncode, p.stdout, p.stderr


class Daemons:
    def __init__(self, tmp):
        self.tmp = tmp
        self.featured_url = 'ipc://%s/run/f.sock' % tmp
        self.migcheck_url = 'ipc://%s/run/m.sock' % tmp
        self.sock = os.path.join(tmp, 'plugin', 'cpulevel')
        self.log = os.path.join(tmp, 'migcheck.log')
        self.featured = self.migcheck = None

    def start_featured(self):
        self.featured = subprocess.Popen(
            [FEATURED, '--db', os.path.join(self.tmp, 'db'),
             '--rpc', self.featured_url,
             '--events', 'ipc://%s/run/e.sock' % self.tmp, '--probe', 'none'],
            stderr=open(os.path.join(self.tmp, 'featured.log'), 'w'))
        for _ in range(100):
            if self.cli('version')[0] == 0:
                return True
            time.sleep(0.1)
        return False

    def cli(self, *args, url=None):
        return run(CLI, *args, '--connect', url or self.featured_url)

    def start_migcheck(self, *extra):
        self.migcheck = subprocess.Popen(
            [MIGCHECK, '--db', os.path.join(self.tmp, 'db'),
             '--rpc', self.migcheck_url, '--http', 'unix:' + self.sock,
             '-v'] + list(extra),
            stderr=open(self.log, 'a'))
        for _ in range(100):
            if os.path.exists(self.sock) and self.migcheck.poll() is None:
                try:
                    with socket.socket(socket.AF_UNIX) as s:
                        s.connect(self.sock)
                    return True
                except OSError:
                    pass
            if self.migcheck.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def stop(self):
        for p in (self.migcheck, self.featured):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def curl(d, target, *extra):
    """GET (or extra's method) target: (status, headers dict, body)."""
    p = subprocess.run(['curl', '-s', '-i', '--max-time', '10',
                        '--unix-socket', d.sock, *extra,
                        'http://localhost' + target],
                       capture_output=True, timeout=30)
    if p.returncode != 0:
        return None, {}, 'curl exit %d: %r' % (p.returncode, p.stderr)
    head, _, body = p.stdout.decode().partition('\r\n\r\n')
    lines = head.split('\r\n')
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(':')
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def get(d, target, *extra):
    """The parsed answer, after checking the envelope every answer has."""
    status, headers, body = curl(d, target, *extra)
    good = (status == 200 and headers.get('connection') == 'close' and
            headers.get('content-length') == str(len(body.encode())))
    ok(good, '%s: 200, Content-Length %s, Connection: close' %
       (target.replace(SECRET, 'SECRET'), headers.get('content-length')),
       (status, headers, body))
    try:
        return json.loads(body)
    except ValueError:
        return None


def rpc_json(d, *args):
    rc, out, _ = d.cli(*args, '--json', url=d.migcheck_url)
    return json.loads(out) if out else None


def cpu_info(tmp, name, vendor, fs):
    path = os.path.join(tmp, name)
    with open(path, 'w') as f:
        json.dump({'vendor': vendor, 'cpu_count': '8', 'socket_count': '1',
                   'features_pv': fs, 'features_hvm': fs,
                   'features_pv_host': fs, 'features_hvm_host': fs}, f)
    return 'file:' + path


def names(*args):
    rc, out, _ = run(CLI, 'featureset', *args)
    return out.split()


def populate(d):
    """h1 strong, h2 weak (both Intel, pool p1), h3 AMD standalone;
    v1 started on h1 before h2 joined (the strong set), v2 after."""
    steps = [
        ('host', 'boot', 'h1', '--probe',
         cpu_info(d.tmp, 'h1.json', 'GenuineIntel', STRONG)),
        ('host', 'boot', 'h2', '--probe',
         cpu_info(d.tmp, 'h2.json', 'GenuineIntel', WEAK)),
        ('host', 'boot', 'h3', '--probe',
         cpu_info(d.tmp, 'h3.json', 'AuthenticAMD', STRONG)),
        ('pool', 'join', 'p1', 'h1'),
        ('vm', 'start', 'v1', 'h1', 'hvm'),
        ('pool', 'join', 'p1', 'h2'),
        ('vm', 'start', 'v2', 'h1', 'hvm'),
    ]
    for s in steps:
        rc, out, err = d.cli(*s)
        if rc != 0:
            return 'cpulevel %s: %s' % (' '.join(s), err)
    return None


def check_refusals(tmp):
    """--http values refused before anything starts."""
    long_path = '/' + 'x' * 107
    rc, out, err = run(MIGCHECK, '--db', os.path.join(tmp, 'none.db'),
                       '--rpc', 'ipc://%s/r/x.sock' % tmp,
                       '--http', 'unix:' + long_path)
    ok(rc == 2 and err.count('\n') == 1 and 'under 108' in err,
       '--http with a 108-byte path: exit 2, one line saying why',
       (rc, err))
    rc, out, err = run(MIGCHECK, '--http', 'tcp://127.0.0.1:80')
    ok(rc == 2 and 'unix:PATH' in err, '--http tcp://...: exit 2', (rc, err))
    # A file that is not a socket is never removed.
    path = os.path.join(tmp, 'notasocket')
    open(path, 'w').write('keep me')
    rc, out, err = run(MIGCHECK, '--db', os.path.join(tmp, 'none.db'),
                       '--rpc', 'ipc://%s/r/x.sock' % tmp,
                       '--http', 'unix:' + path)
    ok(rc == 1 and 'not a socket' in err and
       open(path).read() == 'keep me',
       'a regular file at the path: exit 1, the file kept', (rc, err))


def check_answers(d):
    diff = names('diff', STRONG, WEAK)
    a = get(d, PREFIX + '/check_migrate?vm=v1&host=h2&session_id=' + SECRET)
    ok(a == {'compatible': False, 'reason': REASON_FEATURES,
             'missing_features': diff, 'vendor_mismatch': False},
       'check_migrate v1 h2 (prefixed): incompatible, the missing '
       'features named', a)
    b = get(d, '/check_migrate?session_id=%s&vm=v1&host=h2' % SECRET)
    ok(a == b, 'the same answer without the prefix', b)
    ok(a == rpc_json(d, 'migrate-check', 'v1', 'h2'),
       'the same answer as VM.check_migrate over the bus')
    a = get(d, '/check_migrate?vm=v2&host=h2')
    ok(a == {'compatible': True, 'missing_features': [],
             'vendor_mismatch': False},
       'check_migrate v2 h2: compatible', a)
    a = get(d, '/check_migrate?vm=v2&host=h3')
    ok(a and a.get('compatible') is False and
       a.get('vendor_mismatch') is True and
       a.get('reason') == REASON_VENDOR,
       'check_migrate v2 h3 (AMD): vendor_mismatch', a)
    a = get(d, PREFIX + '/possible_hosts?vm=v1&session_id=' + SECRET)
    want = [{'host': 'h1', 'compatible': True, 'missing_features': [],
             'vendor_mismatch': False},
            {'host': 'h2', 'compatible': False, 'reason': REASON_FEATURES,
             'missing_features': diff, 'vendor_mismatch': False}]
    ok(a == want, 'possible_hosts v1: h1 yes, h2 no with the features', a)
    ok(a == rpc_json(d, 'possible-hosts', 'v1'),
       'the same answer as VM.get_possible_hosts over the bus')
    a = get(d, PREFIX + '/pool?pool=p1&session_id=' + SECRET)
    level = {'featureset': WEAK, 'features': names('decode', WEAK)}
    ok(a == {'pool': 'p1', 'vendor': 'GenuineIntel',
             'levels': {'features_pv_host': level,
                        'features_hvm_host': level,
                        'features_pv': level, 'features_hvm': level}},
       'pool p1: its levels, each with its features named', a)


def err_of(a):
    e = a.get('error') if isinstance(a, dict) else None
    return (e.get('code'), e.get('message'), e.get('data')) if e else None


def check_errors(d):
    cases = [
        ('/check_migrate?vm=nope&host=h2',
         (1, 'HANDLE_INVALID', ['VM', 'nope']), 'an unknown VM'),
        (PREFIX + '/check_migrate?vm=v1&host=nope',
         (1, 'HANDLE_INVALID', ['host', 'nope']), 'an unknown host'),
        ('/pool?pool=p9', (1, 'HANDLE_INVALID', ['pool', 'p9']),
         'an unknown pool'),
        ('/check_migrate?vm=v1',
         (-32602, 'Invalid params', {'param': 'host',
                                     'reason': 'is required'}),
         'a missing parameter'),
        ('/pool?pool=p1&colour=red', None, 'an unknown parameter'),
        ('/pool?pool=p1&pool=p1', None, 'a parameter given twice'),
        ('/pool?pool=a%20b', None, 'an id with a space'),
        ('/check_migrate', None, 'no query'),
    ]
    for target, want, what in cases:
        e = err_of(get(d, target))
        if want is None:
            good = e is not None and e[0] == -32602
        else:
            good = e == want
        ok(good, '%s: %s' % (what, want or '-32602'), e)
    e = err_of(get(d, '/services/plugin/cpulevel/nothing'))
    ok(e and e[0] == -32601, 'an unknown path: -32601', e)
    e = err_of(get(d, '/services/plugin/other/pool?pool=p1'))
    ok(e and e[0] == -32601, "another plugin's prefix: -32601", e)
    e = err_of(get(d, '/pool?pool=p1', '-X', 'POST'))
    ok(e and e[0] == -32600, 'POST: -32600, only GET is served', e)
    e = err_of(get(d, '/pool?pool=p1', '-X', 'DELETE'))
    ok(e and e[0] == -32600, 'DELETE: -32600', e)


def raw(d, data, timeout=5.0):
    """Send data on a new connection; everything until the peer closes."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(d.sock)
    s.sendall(data)
    out = b''
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        out += b'(timeout)'
    s.close()
    return out


def check_bounds(d):
    big = b'GET /pool?pool=p1 HTTP/1.1\r\nHost: x\r\nX-Big: ' + \
        b'a' * 20000 + b'\r\n\r\n'
    out = raw(d, big)
    ok(out.startswith(b'HTTP/1.1 4') and b'"pool"' not in out,
       'a request with 20 KB of headers is refused, not answered',
       out[:100])
    body = b'x' * 5000
    out = raw(d, b'GET /pool?pool=p1 HTTP/1.1\r\nHost: x\r\n'
              b'Content-Length: 5000\r\n\r\n' + body)
    ok(out.startswith(b'HTTP/1.1 4') and b'"pool"' not in out,
       'a request with a 5 KB body is refused, not answered', out[:100])
    idle = []
    for _ in range(MAX_CONNS):
        s = socket.socket(socket.AF_UNIX)
        s.connect(d.sock)
        idle.append(s)
    time.sleep(0.5)
    late = socket.socket(socket.AF_UNIX)
    late.settimeout(1.5)
    late.connect(d.sock)	# waits in the backlog
    late.sendall(b'GET /pool?pool=p1 HTTP/1.0\r\n\r\n')
    try:
        early = late.recv(100)
    except socket.timeout:
        early = b''
    fds = len(os.listdir('/proc/%d/fd' % d.migcheck.pid))
    ok(early == b'', 'with %d connections open, one more is not served'
       % MAX_CONNS, early)
    ok(fds < MAX_CONNS + 30, 'and migcheck holds %d descriptors, no more'
       % fds)
    for s in idle:
        s.close()
    late.settimeout(5)
    out = b''
    try:
        while True:
            chunk = late.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    late.close()
    ok(out.startswith(b'HTTP/1.0 200') and b'"pool":"p1"' in out,
       'once they close, the waiting one is answered', out[:100])
    ok(b'\r\nContent-Length: ' in out and b'\r\nConnection: close' in out,
       'an HTTP/1.0 answer has Content-Length and Connection: close too',
       out[:200])
    a = get(d, '/pool?pool=p1')
    ok(a and a.get('pool') == 'p1', 'and the front serves as before')


def xapi_argv(fn, args, session='OpaqueRef:' + SECRET[10:]):
    """argv[1] as xapi writes it (xen-api ocaml/xapi/xapi_plugins.ml,
    call_plugin: XMLRPC.To.methodCall fn [string session; structure
    args], printed by Xml.to_string: no whitespace, no XML declaration, a
    string as a bare <value>, "" as <value/>)."""
    def value(s):
        return '<value/>' if s == '' else '<value>%s</value>' % escape(s)
    members = ''.join('<member><name>%s</name>%s</member>' %
                      (escape(k), value(v)) for k, v in args)
    return ('<methodCall><methodName>%s</methodName><params>'
            '<param>%s</param><param><value><struct>%s</struct></value>'
            '</param></params></methodCall>' %
            (escape(fn), value(session), members))


def plugin(d, fn, args, sock=None):
    env = dict(os.environ, CPULEVEL_HTTP_SOCKET=sock or d.sock)
    rc, out, err = run(PLUGIN, xapi_argv(fn, args), env=env)
    try:
        (resp, ), _ = xmlrpc.client.loads(out)
    except Exception as e:	# noqa: BLE001 - reported as a failure
        resp = 'unparsable (%s): %r %r' % (e, out, err)
    return rc, resp


def check_plugin(d):
    rc, r = plugin(d, 'check_migrate', [('vm', 'v2'), ('host', 'h2')])
    ok(rc == 0 and isinstance(r, dict) and r.get('Status') == 'Success' and
       json.loads(r['Value']) == get(d, '/check_migrate?vm=v2&host=h2'),
       'plugin check_migrate v2 h2: Success, the front\'s answer as a '
       'string', r)
    rc, r = plugin(d, 'check_migrate', [('vm', 'v1'), ('host', 'h2')])
    ok(rc == 0 and r == {'Status': 'Failure', 'ErrorDescription':
                         ['VM_INCOMPATIBLE_WITH_THIS_HOST', 'v1', 'h2',
                          REASON_FEATURES]},
       'plugin check_migrate v1 h2: the XenAPI failure '
       'VM_INCOMPATIBLE_WITH_THIS_HOST [vm, host, reason]', r)
    rc, r = plugin(d, 'possible_hosts', [('vm', 'v1')])
    ok(rc == 0 and r.get('Status') == 'Success' and
       json.loads(r['Value']) == get(d, '/possible_hosts?vm=v1'),
       'plugin possible_hosts v1: Success, the list', r)
    rc, r = plugin(d, 'pool_level', [('pool', 'p1')])
    ok(rc == 0 and r.get('Status') == 'Success' and
       json.loads(r['Value']) == get(d, '/pool?pool=p1'),
       'plugin pool_level p1: Success, the levels', r)
    rc, r = plugin(d, 'pool_level', [('pool', 'p9')])
    ok(r == {'Status': 'Failure',
             'ErrorDescription': ['HANDLE_INVALID', 'pool', 'p9']},
       'plugin pool_level p9: HANDLE_INVALID [pool, p9]', r)
    rc, r = plugin(d, 'check_migrate', [('vm', ''), ('host', 'h2')])
    desc = r.get('ErrorDescription', []) if isinstance(r, dict) else []
    ok(r.get('Status') == 'Failure' and desc[:2] ==
       ['XENAPI_PLUGIN_FAILURE', 'check_migrate'] and '-32602' in desc[3],
       'plugin check_migrate with vm "" (<value/>): XENAPI_PLUGIN_FAILURE '
       'naming -32602', r)
    rc, r = plugin(d, 'reboot_everything', [])
    ok(r == {'Status': 'Failure', 'ErrorDescription':
             ['UNKNOWN_XENAPI_PLUGIN_FUNCTION', 'reboot_everything']},
       'plugin, an unknown function: UNKNOWN_XENAPI_PLUGIN_FUNCTION', r)
    rc, r = plugin(d, 'pool_level', [('pool', 'p1')],
                   sock=os.path.join(d.tmp, 'nobody'))
    desc = r.get('ErrorDescription', []) if isinstance(r, dict) else []
    ok(rc == 0 and desc[:1] == ['XENAPI_PLUGIN_FAILURE'] and
       'nobody' in desc[-1],
       'plugin, no HTTP front: XENAPI_PLUGIN_FAILURE naming the socket', r)


def main():
    global failed
    if not (CLI and FEATURED and MIGCHECK and PLUGIN):
        print('Bail out! run by meson: CPULEVEL_* and the plugin path')
        return 1
    if shutil.which('curl') is None:
        print('1..0 # SKIP curl is not installed: the HTTP front is '
              'checked with curl --unix-socket')
        return 0
    tmp = tempfile.mkdtemp(prefix='cpl-http-')
    d = Daemons(tmp)
    try:
        check_refusals(tmp)
        if not d.start_featured():
            print('Bail out! cpulevel-featured does not answer')
            return 1
        why = populate(d)
        if why:
            print('Bail out! %s' % why)
            return 1
        os.mkdir(os.path.join(tmp, 'plugin'), 0o755)
        # A socket left by a migcheck that died: removed at start.
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(d.sock)
        ok(d.start_migcheck(), 'migcheck starts with --http over a '
           'stale socket file')
        mode = stat.S_IMODE(os.stat(d.sock).st_mode)
        ok(mode == 0o600, 'the socket is owner-only (0600): %o' % mode)
        # A second migcheck on the same path refuses, and leaves it.
        p = subprocess.run([MIGCHECK, '--db', os.path.join(tmp, 'db'),
                            '--rpc', 'ipc://%s/run/m2.sock' % tmp,
                            '--http', 'unix:' + d.sock],
                           capture_output=True, text=True, timeout=10)
        ok(p.returncode == 1 and 'another process serves it' in p.stderr
           and os.path.exists(d.sock),
           'a second migcheck on a served socket: exit 1, socket kept',
           p.stderr)
        check_answers(d)
        check_errors(d)
        check_bounds(d)
        check_plugin(d)
        log = open(d.log).read()
        ok('check_migrate' in log and SECRET not in log and
           SECRET[10:] not in log,
           "migcheck logged the requests (-v), never the session_id's "
           'value', log[-2000:])
        d.migcheck.send_signal(signal.SIGTERM)
        d.migcheck.wait(10)
        ok(d.migcheck.returncode == 0 and not os.path.exists(d.sock),
           'SIGTERM: exit 0, the socket file removed')
    finally:
        d.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print('1..%d' % n)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
