#!/usr/bin/env python3
"""The test xapi's own wire behaviour, checked with raw HTTP.  Prints TAP.

Each check states what xapi does (README.md gives the source); the client
side is written from the wire-protocol document, not from the stand-in.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
TESTXAPI = os.path.join(HERE, 'testxapi.py')
TOKEN_RE = re.compile(r'^\d{20},\d{20}$')

n = 0
failed = 0


def ok(cond, what, detail=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, what), flush=True)
    if not cond and detail is not None:
        print('# %r' % (detail,))


class UnixConn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__('localhost', timeout=30)
        self.path_ = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(self.path_)


class Stand:
    """One test xapi process on a temporary directory's files."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.proc = None

    def start(self, *extra):
        port = os.path.join(self.tmp, 'port')
        if os.path.exists(port):
            os.unlink(port)
        self.proc = subprocess.Popen([sys.executable, TESTXAPI, 'serve',
            '--listen', '127.0.0.1:0', '--port-file', port,
            '--unix', self.path('xapi.sock'), '--control', self.path('ctl'),
            '--state', self.path('state.json'), '--init-pool', 'Haswell',
            '--user', 'ro', '--password', 'ropw', '--root-password', 'rootpw',
            '--auth-fail-delay', '0.1', '--flags-delay', '0.6'] + list(extra),
            stdout=subprocess.DEVNULL)
        for _ in range(300):
            if os.path.exists(port) and os.path.getsize(port):
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        else:
            self.proc.kill()
        if not os.path.exists(port):
            print('Bail out! the test xapi did not start')
            sys.exit(1)
        with open(port) as f:
            self.port = int(f.read())
        while not os.path.exists(self.path('ctl')):
            time.sleep(0.05)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()

    def post(self, path, body, unix=False, ctype='application/json'):
        c = UnixConn(self.path('xapi.sock')) if unix else \
            http.client.HTTPConnection('127.0.0.1', self.port, timeout=30)
        c.request('POST', path, body, {'Content-Type': ctype})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, r.getheader('Content-Type'), data

    def rpc(self, method, *params, v2=True, unix=False):
        """A JSON-RPC call: (result, None) or (None, error)."""
        req = {'method': method, 'params': list(params), 'id': 7}
        if v2:
            req['jsonrpc'] = '2.0'
        status, ctype, data = self.post('/jsonrpc', json.dumps(req), unix)
        r = json.loads(data)
        if v2:
            return r.get('result'), r.get('error')
        return r['result'], r['error']

    def ctl(self, op, **args):
        c = UnixConn(self.path('ctl'))
        c.request('POST', '/testctl', json.dumps({'op': op, 'args': args}))
        out = json.loads(c.getresponse().read())
        c.close()
        if 'error' in out:
            raise RuntimeError(out['error'])
        return out['result']

    def login(self, user='ro', pw='ropw', unix=False):
        return self.rpc('session.login_with_password', user, pw, '1.1',
            'test', unix=unix)[0]


def err(e):
    return [e['message']] + e['data'] if isinstance(e, dict) else e


def check_wire(x):
    status, ctype, data = x.post('/jsonrpc', json.dumps({'jsonrpc': '2.0',
        'method': 'session.login_with_password', 'params': ['ro', 'ropw'],
        'id': 1}))
    r = json.loads(data)
    ok(status == 200 and ctype == 'application/json',
        'JSON-RPC answers 200 application/json', (status, ctype))
    ok(set(r) == {'jsonrpc', 'result', 'id'} and r['id'] == 1
        and r['result'].startswith('OpaqueRef:'),
        'v2 login: {jsonrpc, result: OpaqueRef:..., id}', r)
    res, e = x.rpc('session.login_with_password', 'ro', 'ropw', v2=False)
    ok(res.startswith('OpaqueRef:') and e is None, 'v1 login: result, '
        'error null', (res, e))
    res, e = x.rpc('session.login_with_password', 'ro', 'bad')
    ok(e == {'code': 1, 'message': 'SESSION_AUTHENTICATION_FAILED',
        'data': ['ro', 'Authentication failure']},
        'v2 error: {code: 1, message: CODE, data: params}', e)
    res, e = x.rpc('session.login_with_password', 'ro', 'bad', v2=False)
    ok(res is None and e[0] == 'SESSION_AUTHENTICATION_FAILED',
        'v1 error: result null, error [CODE, params...]', e)
    res, e = x.rpc('VM.get_all_records', 'OpaqueRef:nope')
    ok(err(e) == ['SESSION_INVALID', 'OpaqueRef:nope'],
        'SESSION_INVALID [ref]', e)
    s = x.login()
    res, e = x.rpc('VM.get_record', s)
    ok(err(e) == ['MESSAGE_PARAMETER_COUNT_MISMATCH', 'VM.get_record', '1',
        '0'], 'MESSAGE_PARAMETER_COUNT_MISMATCH [method, expected, '
        'received]', e)
    res, e = x.rpc('VM.get_record', s, 'OpaqueRef:gone')
    ok(err(e) == ['HANDLE_INVALID', 'VM', 'OpaqueRef:gone'],
        'HANDLE_INVALID [class, ref]', e)
    res, e = x.rpc('VM.frobnicate')
    ok(err(e) == ['MESSAGE_METHOD_UNKNOWN', 'VM.frobnicate'],
        'MESSAGE_METHOD_UNKNOWN [method]', e)
    res, e = x.rpc('VM.frobnicate', 'OpaqueRef:bad')
    ok(err(e)[0] == 'SESSION_INVALID',
        'an unknown method with parameters checks its session first', e)
    res, e = x.rpc('VM.frobnicate', s)
    ok(err(e)[:2] == ['RBAC_PERMISSION_DENIED', 'host.call_extension'],
        'then its role, as for Host.call_extension', e)
    r = x.login('root', '', unix=True)
    res, e = x.rpc('VM.frobnicate', r, unix=True)
    ok(err(e) == ['MESSAGE_METHOD_UNKNOWN', 'VM.frobnicate'],
        'then MESSAGE_METHOD_UNKNOWN', e)
    status, ctype, _ = x.post('/jsonrpc', json.dumps({'method':
        'session.logout', 'params': []}))
    ok(status == 500 and ctype == 'text/html',
        'a request without id is an HTTP 500', (status, ctype))
    res, e = x.rpc('system.listMethods')
    ok('event.from' in res and 'VM.get_all_records' in res,
        'system.listMethods lists the methods')


def check_records(x):
    s = x.login()
    pools, _ = x.rpc('pool.get_all_records', s)
    (pref, pool), = pools.items()
    ok(pool['master'].startswith('OpaqueRef:') and set(pool['cpu_info']) ==
        {'vendor', 'socket_count', 'cpu_count', 'features_pv_host',
        'features_hvm_host'}, 'pool: master ref, cpu_info with its five '
        'keys', pool['cpu_info'])
    hosts, _ = x.rpc('host.get_all_records', s)
    h = hosts[pool['master']]
    ok({'vendor', 'features_pv', 'features_hvm', 'features_pv_host',
        'features_hvm_host', 'cpu_count', 'socket_count'} <=
        set(h['cpu_info']) and h['enabled'] is True and
        isinstance(h['capabilities'], list), 'host: cpu_info, enabled, '
        'capabilities', h['cpu_info'])
    vms, _ = x.rpc('VM.get_all_records', s)
    dom0 = vms[h['control_domain']]
    ok(dom0['is_control_domain'] is True and dom0['power_state'] ==
        'Running' and dom0['resident_on'] == pool['master'],
        'the master has a running control domain')
    ok(isinstance(dom0['VCPUs_max'], int) and isinstance(
        dom0['HVM_shadow_multiplier'], float) and
        dom0['snapshot_time'] == '19700101T00:00:00Z',
        'ints are JSON numbers, floats floats, DateTimes strings')
    m, _ = x.rpc('VM_metrics.get_record', s, dom0['metrics'])
    ok(m['current_domain_type'] == 'pv', 'VM_metrics.current_domain_type')
    uuid, _ = x.rpc('VM.get_uuid', s, h['control_domain'])
    ok(uuid == dom0['uuid'], 'field getter VM.get_uuid')
    res, e = x.rpc('VM.get_by_uuid', s, 'no-such-uuid')
    ok(err(e) == ['UUID_INVALID', 'VM', 'no-such-uuid'], 'UUID_INVALID', e)
    res, e = x.rpc('message.create', s, 'CPULEVEL_X', 2, 'Pool',
        pool['uuid'], 'body')
    ok(err(e)[:2] == ['RBAC_PERMISSION_DENIED', 'message.create'],
        'a read-only user may not create a message', e)
    r = x.login('root', 'anything', unix=True)
    mref, e = x.rpc('message.create', r, 'CPULEVEL_X', 2, 'Pool',
        pool['uuid'], 'body', unix=True)
    msgs, _ = x.rpc('message.get_all_records', s)
    ok(e is None and msgs[mref]['name'] == 'CPULEVEL_X' and
        msgs[mref]['priority'] == 2, 'root on the unix socket creates a '
        'message any session reads', e)


def check_events(x):
    s = x.login()
    r, _ = x.rpc('event.from', s, ['*'], '', 1.0)
    ops = {(e['class'], e['operation']) for e in r['events']}
    ok({('pool', 'add'), ('host', 'add'), ('vm', 'add'), ('vm_metrics',
        'add')} <= ops and TOKEN_RE.match(r['token']),
        'event.from "" gives every object as add, a %020d,%020d token', ops)
    ok(r['valid_ref_counts'].get('host') == 1 and
        'task' in r['valid_ref_counts'], 'valid_ref_counts by lower-case '
        'table', r['valid_ref_counts'])
    tok = r['token']
    t0 = time.monotonic()
    r, _ = x.rpc('event.from', s, ['vm'], tok, 1.0)
    dt = time.monotonic() - t0
    ok(r['events'] == [] and 0.9 <= dt < 2.5,
        'no change: returns after the 1.0 s timeout with no events', dt)
    tok = r['token']
    vm = x.ctl('vm_create', name='ev-vm')
    r, _ = x.rpc('event.from', s, ['VM'], tok, 5.0)
    tok = r['token']
    x.ctl('vm_set', vm=vm['uuid'], fields={'name_label': 'a'})
    x.ctl('vm_set', vm=vm['uuid'], fields={'name_label': 'b'})
    r, _ = x.rpc('event.from', s, ['VM'], tok, 5.0)
    evs = [e for e in r['events'] if e['ref'] == vm['ref']]
    ok(len(evs) == 1 and evs[0]['operation'] == 'mod' and
        evs[0]['snapshot']['name_label'] == 'b', 'two changes coalesce into '
        'one mod event with the latest snapshot', evs)
    ok(set(evs[0]) == {'id', 'timestamp', 'class', 'operation', 'ref',
        'snapshot'}, 'an event has id, timestamp, class, operation, ref, '
        'snapshot', evs)
    tok = r['token']
    out = {}

    def wait():
        t = time.monotonic()
        out['r'] = x.rpc('event.from', s, ['vm'], tok, 20.0)[0]
        out['dt'] = time.monotonic() - t
    th = threading.Thread(target=wait)
    th.start()
    time.sleep(0.5)
    host = x.ctl('dump')['tables']['pool']
    master = next(iter(host.values()))['master']
    x.ctl('vm_start', vm=vm['uuid'], host=master)
    th.join()
    ev = [e for e in out['r']['events'] if e['ref'] == vm['ref']]
    ok(out['dt'] < 5 and ev and ev[0]['snapshot']['power_state'] ==
        'Running' and ev[0]['snapshot']['last_boot_CPU_flags'] == {},
        'a waiting call wakes on the start: Running, flags not yet', out)
    r, _ = x.rpc('event.from', s, ['vm'], out['r']['token'], 5.0)
    ev = [e for e in r['events'] if e['ref'] == vm['ref']]
    flags = ev[0]['snapshot']['last_boot_CPU_flags'] if ev else {}
    ok(set(flags) == {'vendor', 'features'} and flags['vendor'] ==
        'GenuineIntel', 'the next event brings last_boot_CPU_flags', ev)
    tok = r['token']
    x.ctl('vm_shutdown', vm=vm['uuid'])
    x.ctl('vm_destroy', vm=vm['uuid'])
    r, _ = x.rpc('event.from', s, ['vm'], tok, 5.0)
    ev = [e for e in r['events'] if e['ref'] == vm['ref']]
    ok(len(ev) == 1 and ev[0]['operation'] == 'del' and 'snapshot' not in
        ev[0], 'a destroyed VM: one del event, without snapshot', ev)
    res, e = x.rpc('event.from', s, ['vm'], 'garbage', 1.0)
    ok(err(e) == ['EVENT_FROM_TOKEN_PARSE_FAILURE', 'garbage'],
        'EVENT_FROM_TOKEN_PARSE_FAILURE [token]', e)
    pool = next(iter(x.ctl('dump')['tables']['pool']))
    itok, e = x.rpc('event.inject', s, 'pool', pool)
    r, _ = x.rpc('event.from', s, ['pool'], itok, 5.0)
    ok([(ev['class'], ev['operation']) for ev in r['events']] ==
        [('pool', 'mod')], 'event.inject: its token gives the pool as mod')


def check_xmlrpc(x):
    proxy = xmlrpc.client.ServerProxy('http://127.0.0.1:%d/' % x.port)
    r = proxy.session.login_with_password('ro', 'ropw', '1.1', 'test')
    ok(r['Status'] == 'Success' and r['Value'].startswith('OpaqueRef:'),
        'XML-RPC login: {Status: Success, Value}', r)
    s = r['Value']
    hosts = proxy.host.get_all_records(s)['Value']
    h = next(iter(hosts.values()))
    ok(h['API_version_major'] == '2' and h['enabled'] is True,
        'XML-RPC: ints as strings, booleans as booleans', h['API_version_major'])
    r = proxy.VM.get_record(s, 'OpaqueRef:gone')
    ok(r == {'Status': 'Failure', 'ErrorDescription': ['HANDLE_INVALID',
        'VM', 'OpaqueRef:gone']}, 'XML-RPC: {Status: Failure, '
        'ErrorDescription}', r)


def check_restart(x):
    s = x.login()
    r, _ = x.rpc('event.from', s, ['vm'], '', 1.0)
    tok, uuids = r['token'], {e['snapshot']['uuid'] for e in r['events']}
    x.kill()
    x.start()
    res, e = x.rpc('VM.get_all_records', s)
    ok(err(e) == ['SESSION_INVALID', s], 'after a restart the old session '
        'is invalid', e)
    s = x.login()
    r, e = x.rpc('event.from', s, ['vm'], tok, 1.0)
    ok(e is None and r['events'] == [], 'an old token still parses, as '
        'xapi persists its generation', e)
    vms, _ = x.rpc('VM.get_all_records', s)
    ok({v['uuid'] for v in vms.values()} == uuids, 'the database survived '
        'the kill')
    x.kill()
    x.start('--lose-tokens')
    s = x.login()
    res, e = x.rpc('event.from', s, ['vm'], tok, 1.0)
    ok(err(e) == ['EVENT_FROM_TOKEN_PARSE_FAILURE', tok],
        '--lose-tokens: the old token fails to parse', e)
    r, e = x.rpc('event.from', s, ['vm'], '', 1.0)
    r2, e2 = x.rpc('event.from', s, ['vm'], r['token'], 0.2)
    ok(e is None and e2 is None, 'a fresh token works', (e, e2))


def check_slave(x):
    s = x.login()
    x.ctl('set_role', master=False, master_address='127.0.1.9')
    res, e = x.rpc('session.login_with_password', 'ro', 'ropw')
    ok(err(e) == ['HOST_IS_SLAVE', '127.0.1.9'],
        'a supporter answers login HOST_IS_SLAVE [master address]', e)
    res, e = x.rpc('pool.get_all_records', s)
    ok(err(e) == ['HOST_IS_SLAVE', '127.0.1.9'],
        'and any call over TCP', e)
    r = x.login('root', '', unix=True)
    res, e = x.rpc('pool.get_all_records', r, unix=True)
    ok(e is None and res, 'the unix socket still answers (xapi forwards '
        'to the master)', e)
    x.ctl('set_role', master=True)


def main():
    sys.path.insert(0, HERE)
    import xapi_ctl
    models = xapi_ctl.default_models_path()
    if not os.path.exists(models):
        print('1..0 # SKIP shared data absent: cannot read %s' % models)
        sys.exit(0)     # meson's TAP counts this as a skip (tap.h)
    tmp = tempfile.mkdtemp(prefix='testxapi.')
    x = Stand(tmp)
    try:
        x.start()
        for check in (check_wire, check_records, check_events, check_xmlrpc,
                check_restart, check_slave):
            try:
                check(x)
            except Exception as e:
                ok(False, '%s raised' % check.__name__, repr(e))
    finally:
        if x.proc and x.proc.poll() is None:
            x.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print('1..%d' % n)
    print('# %d passed, %d failed' % (n - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
