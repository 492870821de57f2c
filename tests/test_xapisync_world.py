"""The world of tests/test_xapisync.py: the test xapi, featured, migcheck
and cpulevel-xapi-sync as processes in one temporary directory, featured's
state read over nanomsg, and the model of the test xapi's database that
state must equal.  TAP counters are here too (ok, skip_all, bail).
"""

import ctypes
import ctypes.util
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'xapi'))
import testxapi  # noqa: E402  (ctl_call)

n = 0
failed = 0
DEADLINE = float(os.environ.get('XAPISYNC_DEADLINE', '30'))


def ok(cond, what, detail=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, what), flush=True)
    if not cond and detail is not None:
        for line in str(detail).splitlines():
            print('# ' + line)
    return cond


def skip_all(why):
    print('1..0 # SKIP ' + why)
    sys.exit(0)


def bail(why):
    print('Bail out! ' + why, flush=True)
    sys.exit(1)


# ---- featured over nanomsg ------------------------------------------------

AF_SP, NN_REQ = 1, 48
NN_SOL_SOCKET, NN_SNDTIMEO, NN_RCVTIMEO = 0, 4, 5
NN_MSG = ctypes.c_size_t(-1).value


class Nano:
    def __init__(self):
        name = ctypes.util.find_library('nanomsg')
        if name is None:
            skip_all('libnanomsg not found by ctypes')
        lib = ctypes.CDLL(name)
        lib.nn_send.argtypes = [ctypes.c_int, ctypes.c_char_p,
                                ctypes.c_size_t, ctypes.c_int]
        lib.nn_recv.argtypes = [ctypes.c_int, ctypes.c_void_p,
                                ctypes.c_size_t, ctypes.c_int]
        lib.nn_connect.argtypes = [ctypes.c_int, ctypes.c_char_p]
        lib.nn_freemsg.argtypes = [ctypes.c_void_p]
        lib.nn_setsockopt.argtypes = [ctypes.c_int, ctypes.c_int,
                                      ctypes.c_int, ctypes.c_void_p,
                                      ctypes.c_size_t]
        self.lib = lib
        self.id = 0

    def call(self, url, method, params=None):
        """The reply's result, or ('error', error) / ('down', None)."""
        lib = self.lib
        s = lib.nn_socket(AF_SP, NN_REQ)
        try:
            t = ctypes.c_int(3000)
            for opt in (NN_SNDTIMEO, NN_RCVTIMEO):
                lib.nn_setsockopt(s, NN_SOL_SOCKET, opt, ctypes.byref(t),
                                  ctypes.sizeof(t))
            lib.nn_connect(s, url.encode())
            self.id += 1
            req = json.dumps({'jsonrpc': '2.0', 'id': self.id,
                              'method': method, 'params': params or {}})
            if lib.nn_send(s, req.encode(), len(req), 0) < 0:
                return ('down', None)
            buf = ctypes.c_void_p()
            got = lib.nn_recv(s, ctypes.byref(buf), NN_MSG, 0)
            if got < 0:
                return ('down', None)
            text = ctypes.string_at(buf, got)
            lib.nn_freemsg(buf)
        finally:
            lib.nn_close(s)
        reply = json.loads(text)
        if 'error' in reply:
            return ('error', reply['error'])
        return reply['result']


# ---- processes ------------------------------------------------------------

class World:
    def __init__(self, tmp):
        self.tmp = tmp
        self.nano = Nano()
        self.rpc = 'ipc://%s/run/featured.sock' % tmp
        self.xapi = self.featured = self.migcheck = self.sync = None
        self.ports = {}
        self.current = 'xapi'   # the test xapi ctl() talks to
        self.xapi2 = None
        self.logs = {}
        os.mkdir(self.path('run'), 0o700)
        for user, pw in (('root', 'rootpw'), ('ro', 'ropw')):
            with open(self.path('pw-' + user), 'w') as f:
                f.write(pw + '\n')
            os.chmod(self.path('pw-' + user), 0o600)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def spawn(self, name, argv, env=None):
        log = open(self.path(name + '.log'), 'a')
        self.logs[name] = self.path(name + '.log')
        return subprocess.Popen(argv, stdout=log, stderr=log,
                                env=dict(os.environ, **(env or {})))

    def start_xapi(self, name='xapi', init='Haswell'):
        """The test xapi of that name on its files, and its port kept:
        started again, it listens where it did."""
        pf = self.path(name + '.port')
        if os.path.exists(pf):
            os.unlink(pf)
        listen = '127.0.0.1:%d' % self.ports.get(name, 0)
        proc = self.spawn(name, [sys.executable,
            os.path.join(HERE, 'xapi', 'testxapi.py'), 'serve',
            '--listen', listen, '--port-file', pf,
            '--unix', self.path(name + '.sock'),
            '--control', self.path(name + '.ctl'),
            '--state', self.path(name + '.json'),
            '--init-pool', init, '--root-password', 'rootpw',
            '--user', 'ro', '--password', 'ropw', '--role', 'read-only',
            '--auth-fail-delay', '0.1', '--flags-delay', '0.3'])
        setattr(self, name, proc)
        end = time.time() + 30
        while time.time() < end:
            if os.path.exists(pf) and os.path.getsize(pf):
                break
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        if not os.path.exists(pf):
            bail('the test xapi did not start:\n' + self.log_tail(name))
        with open(pf) as f:
            self.ports[name] = int(f.read())

    def start_featured(self):
        self.featured = self.spawn('featured', [os.environ['CPULEVEL_FEATURED'],
            '--db', self.path('cpulevel.db'), '--rpc', self.rpc,
            '--events', 'ipc://%s/run/events.sock' % self.tmp,
            '--probe', 'none'])
        self.wait_featured()

    def wait_featured(self):
        end = time.time() + 20
        while time.time() < end:
            r = self.nano.call(self.rpc, 'Service.version')
            if isinstance(r, dict):
                return
            time.sleep(0.1)
        bail('featured did not answer:\n' + self.log_tail('featured'))

    def start_migcheck(self):
        self.migcheck = self.spawn('migcheck', [os.environ['CPULEVEL_MIGCHECK'],
            '--db', self.path('cpulevel.db'),
            '--rpc', 'ipc://%s/run/migcheck.sock' % self.tmp])

    def start_sync(self, url=None, env=None, user='root'):
        self.sync = self.spawn('sync', [os.environ['CPULEVEL_XAPI_SYNC'],
            '--xapi', url or 'http://127.0.0.1:%d' % self.ports['xapi'],
            '--featured', self.rpc, '--user', user,
            '--password-file', self.path('pw-' + user), '-v'], env=env)

    def kill(self, attr):
        p = getattr(self, attr)
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()
        setattr(self, attr, None)

    def stop_all(self):
        for a in ('sync', 'migcheck', 'featured', 'xapi', 'xapi2'):
            self.kill(a)

    def log_tail(self, name, lines=30):
        try:
            with open(self.logs[name]) as f:
                return ''.join(f.readlines()[-lines:])
        except (KeyError, OSError):
            return '(no log)'

    def ctl(self, op, **args):
        return testxapi.ctl_call(self.path(self.current + '.ctl'), op,
                                 **args)

    def fd(self, method, **params):
        return self.nano.call(self.rpc, method, params)


# ---- the model and featured's state ---------------------------------------

def norm_fs(s):
    """A featureset's words, trailing zero words dropped."""
    if not s:
        return ()
    w = [int(x, 16) for x in s.split('-')]
    while w and w[-1] == 0:
        w.pop()
    return tuple(w)


def model(dump):
    t = dump['tables']
    pool = next(iter(t['pool'].values()))
    hosts = {r['uuid']: r['cpu_info'] for r in t['host'].values()}
    uuid_of = {ref: r['uuid'] for ref, r in t['host'].items()}
    vms = {}
    for r in t['VM'].values():
        if r['is_a_template'] or r['is_a_snapshot'] or r['is_control_domain']:
            continue
        ps = r['power_state'].lower()
        f = r['last_boot_CPU_flags']
        vms[r['uuid']] = {
            'power_state': 'running' if ps == 'paused' else ps,
            'host': uuid_of.get(r['resident_on']),
            'vendor': f.get('vendor'), 'features': f.get('features')}
    level = (norm_fs(pool['cpu_info'].get('features_pv_host')),
             norm_fs(pool['cpu_info'].get('features_hvm_host')))
    count = sum(int(c.get('cpu_count', '0')) for c in hosts.values())
    return {'pool': pool['uuid'], 'hosts': hosts, 'vms': vms,
            'level': level, 'cpu_count': count}


def inventory(w, limit=10000):
    """Every page of Service.inventory as one, or the failed reply."""
    out = {'pools': [], 'hosts': [], 'vms': []}
    after = None
    while True:
        params = {'limit': limit}
        if after is not None:
            params['after'] = after
        page = w.fd('Service.inventory', **params)
        if not isinstance(page, dict):
            return page
        for k in out:
            out[k] += page[k]
        after = page['next']
        if after is None:
            return out


def featured_state(w, pool):
    inv = inventory(w)
    if not isinstance(inv, dict):
        return {'inventory': inv}
    hosts = {h: w.fd('Host.get_cpu_info', host=h) for h in inv['hosts']}
    vms = {}
    for v in inv['vms']:
        r = w.fd('VM.get_cpu_flags', vm=v)
        if isinstance(r, dict):
            r = {k: r.get(k) for k in
                 ('power_state', 'host', 'vendor', 'features')}
        vms[v] = r
    p = w.fd('Pool.get_cpu_info', pool=pool)
    if isinstance(p, dict):
        level = (norm_fs(p.get('features_pv_host')),
                 norm_fs(p.get('features_hvm_host')))
        count = int(p.get('cpu_count', '0'))
    else:
        level, count = p, None
    return {'pool': pool, 'hosts': hosts, 'vms': vms, 'level': level,
            'cpu_count': count}


def diff(want, got):
    out = []
    for k in want:
        if want[k] != got.get(k):
            if isinstance(want[k], dict) and isinstance(got.get(k), dict):
                for kk in sorted(set(want[k]) | set(got[k])):
                    if want[k].get(kk) != got[k].get(kk):
                        out.append('%s %s: xapi %r, featured %r' % (
                            k, kk, want[k].get(kk), got[k].get(kk)))
            else:
                out.append('%s: xapi %r, featured %r' % (k, want[k],
                                                         got.get(k)))
    return '\n'.join(out)


def converged(w, what, deadline=None):
    """Wait until featured equals xapi's model: one TAP line."""
    end = time.time() + (deadline or DEADLINE)
    d = 'never compared'
    while time.time() < end:
        try:
            want = model(w.ctl('dump'))
        except OSError:
            time.sleep(0.2)
            continue
        got = featured_state(w, want['pool'])
        d = diff(want, got)
        if not d:
            return ok(True, what + ': featured equals xapi')
        time.sleep(0.3)
    return ok(False, what + ': featured equals xapi',
              d + '\n--- sync log:\n' + w.log_tail('sync'))


def alerts(w, name=None):
    msgs = w.ctl('dump')['messages'].values()
    return [m for m in msgs if m['name'].startswith('CPULEVEL_') and
            (name is None or m['name'] == name)]
