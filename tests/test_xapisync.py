#!/usr/bin/env python3
"""cpulevel-xapi-sync against the test xapi (issue 12, section 4).  TAP.

The test xapi (tests/xapi/testxapi.py), the real cpulevel-featured and
cpulevel-migcheck, and cpulevel-xapi-sync over loopback HTTP with a
password file.  Each scenario step changes the test xapi through its
control socket, then waits (with a deadline) until featured's state equals
a model computed from the test xapi's `dump`: the hosts and their cpu_info,
the pool level, every VM's power state, host and flags; and the alerts
among the dump's messages.  The processes, featured's state and the model
are in test_xapisync_world.py.
"""

import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_xapisync_world as tw  # noqa: E402
from test_xapisync_world import (  # noqa: E402
    HERE, World, alerts, converged, featured_state, model, ok, skip_all)


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
    inv = tw.inventory(w)
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
    vm4 = w.ctl('vm_create', name='vm4', domain_type='hvm')['uuid']
    w.ctl('vm_start', vm='vm4', host='h2')
    time.sleep(7)       # longer than a request's wait: the sync sees it
    w.start_featured()
    converged(w, 'featured killed and restarted')

    w.kill('sync')
    w.ctl('vm_shutdown', vm='vm4')
    w.ctl('vm_destroy', vm='vm4')
    w.ctl('host_add', model='Skylake-Server', name='h3')
    ok(len(tw.inventory(w, 2)['vms']) >= 2 and
       vm4 in tw.inventory(w, 2)['vms'],
       'featured holds vm4 (Service.inventory in pages of 2)')
    w.start_sync(env={'CPULEVEL_XAPISYNC_INVENTORY_LIMIT': '2'})
    converged(w, 'the sync killed and restarted (a deletion meanwhile, '
              'the inventory in pages of 2)')
    w.kill('sync')
    w.start_sync()

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
    print('1..%d' % tw.n)
    if tw.failed:
        print('# %d failed; logs kept in %s' % (tw.failed, tmp))
        sys.exit(1)
    if os.environ.get('XAPISYNC_KEEP'):
        print('# logs kept in %s (XAPISYNC_KEEP)' % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
