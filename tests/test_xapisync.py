#!/usr/bin/env python3
"""cpulevel-xapi-sync against the test xapi (issue 12, section 4).  TAP.

The test xapi (tests/xapi/testxapi.py), the real cpulevel-featured and
cpulevel-migcheck, and cpulevel-xapi-sync over loopback HTTP with a
password file.  Each scenario step changes the test xapi through its
control socket, then waits (with a deadline) until featured's state equals
a model computed from the test xapi's `dump`: the hosts and their cpu_info,
the pool level, every VM's power state, host and flags; and the alerts
among the dump's messages.  featured is read over its nanomsg REQ socket
(libnanomsg through ctypes: no module outside the standard library).
"""

import ctypes
import ctypes.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
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


def featured_state(w, pool):
    inv = w.fd('Service.inventory')
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


# ---- the scenarios --------------------------------------------------------

def wait_alert(w, name, count, deadline=10):
    end = time.time() + deadline
    while time.time() < end and len(alerts(w, name)) < count:
        time.sleep(0.2)
    return alerts(w, name)


def mismatch(w):
    """xapi's pool.cpu_info made to differ from the fold: one alert."""
    pool = next(iter(w.ctl('dump')['tables']['pool'].values()))
    was = pool['cpu_info']
    ci = dict(was)
    words = ci['features_hvm_host'].split('-')
    words[0] = '%08x' % (int(words[0], 16) & ~1)
    ci['features_hvm_host'] = '-'.join(words)
    w.ctl('pool_set', fields={'cpu_info': ci})
    got = wait_alert(w, 'CPULEVEL_LEVEL_MISMATCH', 1, deadline=20)
    ok(len(got) == 1 and got[0]['cls'] == 'Pool' and
       ci['features_hvm_host'] in got[0]['body'],
       'a cross-check difference: one CPULEVEL_LEVEL_MISMATCH naming both',
       got)
    w.kill('sync')
    w.start_sync()
    time.sleep(8)
    ok(len(alerts(w, 'CPULEVEL_LEVEL_MISMATCH')) == 1,
       'the sync restarted: still one CPULEVEL_LEVEL_MISMATCH',
       alerts(w, 'CPULEVEL_LEVEL_MISMATCH'))
    w.ctl('pool_set', fields={'cpu_info': was})
    converged(w, "xapi's pool level restored")


def follow_master(w):
    """The xapi the sync logs in to becomes a supporter: HOST_IS_SLAVE
    names the new master (here a second test xapi on a copy of the
    database, as a failover leaves it), and the sync follows it."""
    shutil.copy(w.path('xapi.json'), w.path('xapi2.json'))
    w.start_xapi('xapi2')
    w.ctl('set_role', master=False,
          master_address='127.0.0.1:%d' % w.ports['xapi2'])
    w.ctl('sessions_expire')
    w.current = 'xapi2'
    w.ctl('vm_create', name='vm6', domain_type='hvm')
    w.ctl('vm_start', vm='vm6', host='h3')
    converged(w, 'HOST_IS_SLAVE: the sync follows the new master')
    log = open(w.path('sync.log')).read()
    ok(log.count('following the pool master to http://127.0.0.1:%d' %
                 w.ports['xapi2']) == 1,
       'it says once that it follows the master', w.log_tail('sync'))


def standby(w):
    """On a dom0 whose pool.conf says slave, the sync stands by."""
    conf = w.path('pool.conf')
    with open(conf, 'w') as f:
        f.write('slave:127.0.0.1\n')
    w.kill('sync')
    w.start_sync(url='unix://' + w.path('xapi2.sock'),
                 env={'CPULEVEL_POOL_CONF': conf})
    w.ctl('vm_create', name='vm7', domain_type='hvm')
    vm7 = w.ctl('vm_start', vm='vm7', host='h3')['uuid']
    time.sleep(3)
    inv = w.fd('Service.inventory')
    ok(isinstance(inv, dict) and vm7 not in inv['vms'],
       'a supporter (pool.conf says slave): the sync stands by', inv)
    log = open(w.path('sync.log')).read()
    ok(log.count('standing by') == 1, 'it says so once', w.log_tail('sync'))
    with open(conf, 'w') as f:
        f.write('master\n')
    converged(w, 'the dom0 becomes the master: the sync follows it', 40)


def read_only(w):
    """A read-only account follows the pool; its alerts are refused
    (RBAC_PERMISSION_DENIED), which is said once."""
    w.kill('sync')
    w.start_sync(url='http://127.0.0.1:%d' % w.ports['xapi2'], user='ro')
    before = len(alerts(w))
    w.ctl('vm_shutdown', vm='vm6')
    w.ctl('vm_shutdown', vm='vm7')
    w.ctl('host_reboot', host='h3', clear=['avx2'])
    converged(w, 'a read-only account: a host reboots without avx2')
    w.ctl('host_reboot', host='h2', clear=['avx2'])
    converged(w, 'a read-only account: another host reboots without avx2')
    ok(len(alerts(w)) == before, 'no message created', alerts(w))
    log = open(w.path('sync.log')).read()
    ok(log.count('may not create messages') == 1,
       'the refusal is logged once', w.log_tail('sync'))


def scenarios(w):
    w.start_xapi()
    w.start_featured()
    w.start_migcheck()
    w.start_sync()
    converged(w, 'a pool with its master')
    t = w.ctl('dump')['tables']
    master = t['host'][next(iter(t['pool'].values()))['master']]['uuid']

    w.ctl('host_add', model='Broadwell', name='h2')
    converged(w, 'a host joins')

    w.ctl('vm_create', name='vm1', domain_type='hvm')
    w.ctl('vm_create', name='vm2', domain_type='pv')
    w.ctl('vm_create', name='vm3', domain_type='pvh')
    w.ctl('vm_create', name='tmpl', template=True)
    w.ctl('vm_start', vm='vm1', host='h2')
    w.ctl('vm_start', vm='vm2', host='h2')
    w.ctl('vm_start', vm='vm3', host=master)
    converged(w, 'VMs start (flags one event later)')
    st = featured_state(w, model(w.ctl('dump'))['pool'])
    ok(all(v['features'] for v in st['vms'].values()
           if v['power_state'] == 'running'),
       'the running VMs have their flags', st['vms'])
    w.ctl('vm_migrate', vm='vm1', host=master)
    w.ctl('vm_suspend', vm='vm2')
    w.ctl('vm_pause', vm='vm3')
    converged(w, 'a VM migrates, one suspends, one pauses')
    w.ctl('vm_resume', vm='vm2', host=master)
    w.ctl('vm_unpause', vm='vm3')
    w.ctl('vm_shutdown', vm='vm1')
    converged(w, 'a VM resumes, one unpauses, one shuts down')

    ok(alerts(w) == [], 'no alert so far', alerts(w))
    w.ctl('host_reboot', host='h2', clear=['hle', 'rtm'])
    converged(w, 'a host reboots with TSX removed')
    lost = wait_alert(w, 'CPULEVEL_HOST_FEATURES_LOST', 1)
    ok(len(lost) == 1, 'one CPULEVEL_HOST_FEATURES_LOST', lost)
    h2 = w.ctl('dump')['tables']['host']
    h2 = [r['uuid'] for r in h2.values() if r['name_label'] == 'h2'][0]
    ok(len(lost) == 1 and lost[0]['cls'] == 'Host' and
       lost[0]['obj_uuid'] == h2 and lost[0]['body'].endswith(': hle, rtm'),
       'it is for the host, class Host, naming hle, rtm', lost)
    drop = wait_alert(w, 'CPULEVEL_POOL_LEVEL_DROPPED', 1)
    ok(len(drop) == 1 and drop[0]['cls'] == 'Pool' and
       drop[0]['body'].endswith(': hle, rtm'),
       'one CPULEVEL_POOL_LEVEL_DROPPED naming hle, rtm', drop)

    w.ctl('host_add', model='EPYC-Rome', name='amd1', join_force=True)
    converged(w, 'a host of the other vendor joins with join_force')
    drop = wait_alert(w, 'CPULEVEL_POOL_LEVEL_DROPPED', 2)
    ok(len(drop) == 2, 'the join of the other vendor drops the level: '
       'a second CPULEVEL_POOL_LEVEL_DROPPED', drop)
    w.ctl('vm_start', vm='vm1', host='amd1')
    converged(w, 'a VM starts on the host of the other vendor')
    w.ctl('vm_shutdown', vm='vm1')
    w.ctl('vm_shutdown', vm='vm2')
    w.ctl('vm_destroy', vm='vm2')
    w.ctl('vm_shutdown', vm='vm3')
    w.ctl('host_delete', host='amd1')
    converged(w, 'a VM and a host deleted')

    w.ctl('lose_tokens')
    w.ctl('vm_start', vm='vm1', host='h2')
    converged(w, 'tokens lost')

    w.kill('xapi')
    w.start_xapi()
    w.ctl('vm_migrate', vm='vm1', host=master)
    converged(w, 'xapi restarted')

    w.kill('featured')
    w.ctl('vm_create', name='vm4', domain_type='hvm')
    w.ctl('vm_start', vm='vm4', host='h2')
    time.sleep(7)       # longer than a request's wait: the sync sees it
    w.start_featured()
    converged(w, 'featured killed and restarted')

    w.kill('sync')
    w.ctl('vm_shutdown', vm='vm4')
    w.ctl('vm_destroy', vm='vm4')
    w.ctl('host_add', model='Skylake-Server', name='h3')
    w.start_sync()
    converged(w, 'the sync killed and restarted (a deletion meanwhile)')

    w.ctl('master_change', host='h2')
    converged(w, 'the master changes')

    w.kill('sync')
    w.start_sync()
    w.ctl('sessions_expire')
    w.ctl('vm_start', vm='vm3', host='h3')
    converged(w, 'sessions expire')
    ok(len(alerts(w, 'CPULEVEL_HOST_FEATURES_LOST')) == 1,
       'still one CPULEVEL_HOST_FEATURES_LOST after resyncs and restarts',
       alerts(w))
    ok(alerts(w, 'CPULEVEL_LEVEL_MISMATCH') == [],
       'no CPULEVEL_LEVEL_MISMATCH: featured folds as xapi does',
       alerts(w, 'CPULEVEL_LEVEL_MISMATCH'))
    mismatch(w)
    follow_master(w)
    standby(w)
    read_only(w)
    log = open(w.path('sync.log')).read()
    ok('rootpw' not in log and 'ropw' not in log and
       'OpaqueRef' not in log.replace('OpaqueRef:NULL', ''),
       'the sync logs neither the password nor a reference')


def main():
    shared = os.environ.get('CPULEVEL_SHARED_DATA',
                            os.path.join(HERE, '..', '..', 'shared', 'data'))
    if not os.path.exists(os.path.join(shared, 'cpu-models.json')):
        skip_all('../shared/data/cpu-models.json is absent')
    for v in ('CPULEVEL_FEATURED', 'CPULEVEL_MIGCHECK', 'CPULEVEL_XAPI_SYNC'):
        if not os.environ.get(v):
            skip_all('%s is not set (run through meson test)' % v)
    tmp = tempfile.mkdtemp(prefix='xapisync-')
    os.chmod(tmp, 0o700)
    w = World(tmp)
    try:
        scenarios(w)
    finally:
        w.stop_all()
    print('1..%d' % n)
    if failed:
        print('# %d failed; logs kept in %s' % (failed, tmp))
        sys.exit(1)
    if os.environ.get('XAPISYNC_KEEP'):
        print('# logs kept in %s (XAPISYNC_KEEP)' % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
