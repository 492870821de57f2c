"""The control interface: what scenario tests do to the test xapi's pool.

Operations stand for what happens on a real pool (a host joins, reboots
with another CPU, a VM starts or migrates, the master changes) and write
the database the way xapi does (README.md, "What the control operations
write").  Every operation takes named arguments and names objects by
ref, uuid or name_label.  See README.md for the list.
"""

import json
import os
import threading
import time

from xapi_db import NULL, ApiError, new_uuid, rfc3339

HERE = os.path.dirname(os.path.abspath(__file__))
HVM_CAPS = ['xen-3.0-x86_64', 'hvm-3.0-x86_32', 'hvm-3.0-x86_32p',
    'hvm-3.0-x86_64']
PV_CAPS = ['xen-3.0-x86_64']


def default_models_path():
    data = os.environ.get('CPULEVEL_SHARED_DATA') or os.path.join(HERE,
        '..', '..', '..', 'shared', 'data')
    return os.path.join(data, 'cpu-models.json')


class Models:
    """Featuresets of cpu-models.json, as a host's four cpu_info sets."""

    def __init__(self, path):
        with open(path) as f:
            d = json.load(f)
        self.models = d['models']
        self.features = d['features']
        self.vendors = d['vendors']

    def words(self, name):
        return [int(w, 16) for w in
            self.models[name]['xen_featureset']['words']]

    def bit(self, feature):
        x = self.features.get(feature, {}).get('xen')
        if not x:
            raise ApiError('CTL_UNKNOWN_FEATURE', feature)
        return x['word'], x['bit'], x['attrs']

    def host_sets(self, name, clear=(), add=()):
        """features_{hvm,pv}_host: the model's words (less clear, plus
        add); features_hvm / features_pv: the bits Xen offers HVM / PV
        guests by default (attribute A, S or H / attribute A)."""
        words = self.words(name)
        names = set(self.models[name]['features']) - set(clear) | set(add)
        for f in clear:
            w, b, _ = self.bit(f)
            words[w] &= ~(1 << b)
        for f in add:
            w, b, _ = self.bit(f)
            words[w] |= 1 << b
        hvm = [0] * len(words)
        pv = [0] * len(words)
        for f in names:
            x = self.features.get(f, {}).get('xen')
            if not x or not words[x['word']] >> x['bit'] & 1:
                continue
            if any(a in x['attrs'] for a in 'ASH'):
                hvm[x['word']] |= 1 << x['bit']
            if 'A' in x['attrs']:
                pv[x['word']] |= 1 << x['bit']
        return words, hvm, pv


def fmt(words):
    """CPU_policy.to_string: 8-digit hex words joined by '-'."""
    return '-'.join('%08x' % w for w in words)


def parse(s):
    return [int(w, 16) for w in s.split('-')] if s else []


def combine(a, b):
    """The stand-in's pool-level rule: word-wise AND ('' is neutral)."""
    if not a:
        return b
    if not b:
        return a
    x, y = parse(a), parse(b)
    n = max(len(x), len(y))
    x += [0] * (n - len(x))
    y += [0] * (n - len(y))
    return fmt([p & q for p, q in zip(x, y)])


def intersect(a, b):
    return combine(a, b) if a and b else ''


class Control:
    def __init__(self, db, models_path=None, flags_delay=0.5):
        self.db = db
        self.models = Models(models_path or default_models_path())
        self.flags_delay = flags_delay
        self.ops = {n[3:]: getattr(self, n) for n in dir(self)
            if n.startswith('op_')}

    def run(self, op, args):
        fn = self.ops.get(op)
        if fn is None:
            raise ApiError('CTL_UNKNOWN_OP', op)
        with self.db.cond:
            result = fn(**args)
            self.db.save()
        return result

    def resume_pending(self):
        """After a restart, the flag writes left pending are done later."""
        with self.db.cond:
            for vm in list(self.db.pending_flags):
                self._schedule(vm, self.flags_delay)

    # -- helpers ------------------------------------------------------

    def _pool(self):
        ref = self.db.pool_ref()
        if ref is None:
            raise ApiError('CTL_NO_POOL')
        return ref

    def _obj(self, cls, key):
        ref = self.db.find(cls, key)
        return {'ref': ref, 'uuid': self.db.get(cls, ref)['uuid']}

    def _recompute_pool(self):
        """create_misc.ml create_pool_cpuinfo, with the AND as combine."""
        info = {'vendor': '', 'socket_count': '0', 'cpu_count': '0',
            'features_pv_host': '', 'features_hvm_host': ''}
        for ref, r in self.db.tables['host'].items():
            ci = r.rec['cpu_info']
            info['vendor'] = ci['vendor']
            for k in ('cpu_count', 'socket_count'):
                info[k] = str(int(info[k]) + int(ci[k]))
            info['features_pv_host'] = combine(ci['features_pv_host'],
                info['features_pv_host'])
            if any('hvm' in c for c in r.rec['capabilities']):
                info['features_hvm_host'] = combine(ci['features_hvm_host'],
                    info['features_hvm_host'])
        pool = self._pool()
        if self.db.get('pool', pool)['cpu_info'] != info:
            self.db.set('pool', pool, cpu_info=info)

    def _cpu_info(self, model, clear=(), add=(), cpus=8, sockets=1):
        m = self.models.models.get(model)
        if m is None:
            raise ApiError('CTL_UNKNOWN_MODEL', model)
        host, hvm, pv = self.models.host_sets(model, clear, add)
        sig = (m.get('signatures') or [{'family': 6, 'model': 0}])[0]
        flags = sorted(set(m['features']) - set(clear) | set(add))
        return {
            'cpu_count': str(cpus), 'socket_count': str(sockets),
            'threads_per_core': '2', 'nr_nodes': '1',
            'vendor': self.models.vendors[m['vendor']],
            'speed': '2394.454', 'modelname': '%s (test xapi)' % model,
            'family': str(sig['family']), 'model': str(sig['model']),
            'stepping': '1', 'flags': ' '.join(flags),
            'features_pv': fmt(pv), 'features_hvm': fmt(hvm),
            'features_hvm_host': fmt(host), 'features_pv_host': fmt(host),
        }

    def _new_host(self, model, name, address, hvm, clear, add):
        n = len(self.db.tables['host']) + 1
        name = name or 'host%d' % n
        ref = self.db.create('host', {
            'uuid': new_uuid(), 'name_label': name, 'hostname': name,
            'address': address or '127.0.1.%d' % n, 'enabled': True,
            'capabilities': list(HVM_CAPS if hvm else PV_CAPS),
            'cpu_info': self._cpu_info(model, clear, add),
            'cpu_configuration': {}, 'sched_policy': 'credit',
            'software_version': {'product_version': '8.3.0',
                'product_brand': 'XCP-ng', 'platform_name': 'XCP',
                'platform_version': '3.4.0', 'xapi': '25.6',
                'xen': '4.17.5', 'hostname': name},
            'API_version_major': 2, 'API_version_minor': 21,
            'memory_overhead': 687865856, 'edition': 'xcp-ng',
            'other_config': {'agent_start_time': '%.0f.' % time.time(),
                'boot_time': '%.0f.' % time.time()},
            'license_params': {}, 'editions': ['xcp-ng'],
            'allowed_operations': ['vm_migrate', 'provision', 'vm_resume',
                'evacuate', 'vm_start'],
        })
        dom0 = self._new_vm('Control domain on host: ' + name, 'pv',
            control_domain=True)
        self.db.set('VM', dom0, power_state='Running', resident_on=ref,
            domid=0, allowed_operations=[])
        self.db.set('VM_metrics', self.db.get('VM', dom0)['metrics'],
            current_domain_type='pv', start_time=rfc3339())
        self.db.set('host', ref, control_domain=dom0, resident_VMs=[dom0])
        return ref

    def _new_vm(self, name, domain_type, template=False, snapshot=False,
            control_domain=False):
        gib = 1 << 30
        metrics = self.db.create('VM_metrics', {'uuid': new_uuid(),
            'memory_actual': 2 * gib, 'VCPUs_number': 2,
            'install_time': rfc3339(), 'last_updated': rfc3339(),
            'hvm': domain_type == 'hvm'})
        ref = self.db.create('VM', {
            'uuid': new_uuid(), 'name_label': name,
            'user_version': 1, 'is_a_template': template,
            'is_a_snapshot': snapshot, 'is_control_domain': control_domain,
            'domain_type': domain_type, 'metrics': metrics, 'domid': -1,
            'memory_static_max': 2 * gib, 'memory_dynamic_max': 2 * gib,
            'memory_dynamic_min': 2 * gib, 'memory_static_min': gib,
            'memory_target': 2 * gib, 'VCPUs_max': 2, 'VCPUs_at_startup': 2,
            'HVM_boot_policy': 'BIOS order' if domain_type == 'hvm' else '',
            'HVM_boot_params': {'order': 'cd'} if domain_type == 'hvm'
                else {},
            'PV_bootloader': 'pygrub' if domain_type == 'pv' else '',
            'platform': {'acpi': '1', 'apic': 'true', 'pae': 'true',
                'viridian': 'false', 'nx': 'true'},
            'allowed_operations': ['start', 'start_on', 'destroy'],
            'generation_id': '', 'snapshot_of': NULL, 'parent': NULL,
        })
        return ref

    def _boot_flags(self, vm, host):
        """What xapi records when xenopsd reports the VM's featureset:
        the pool's boot level for its domain type, within what the host
        offers such guests; the host's vendor."""
        dt = self.db.get('VM', vm)['domain_type']
        pool = self.db.get('pool', self._pool())['cpu_info']
        hci = self.db.get('host', host)['cpu_info']
        kind = 'pv' if dt == 'pv' else 'hvm'
        features = intersect(pool.get('features_%s_host' % kind, ''),
            hci['features_' + kind])
        return {'vendor': hci['vendor'], 'features': features}

    def _later_flags(self, vm, flags, mode, delay):
        if flags is None or flags == self.db.get('VM', vm)[
                'last_boot_CPU_flags']:
            return
        if mode == 'now':
            self.db.set('VM', vm, last_boot_CPU_flags=flags)
            return
        self.db.pending_flags[vm] = flags
        if mode == 'later':
            self._schedule(vm, self.flags_delay if delay is None else delay)

    def _schedule(self, vm, delay):
        t = threading.Timer(delay, self._write_flags, (vm,))
        t.daemon = True
        t.start()

    def _write_flags(self, vm):
        with self.db.cond:
            flags = self.db.pending_flags.pop(vm, None)
            if flags is not None and vm in self.db.tables['VM']:
                self.db.set('VM', vm, last_boot_CPU_flags=flags)
            self.db.save()

    def _resident(self, host, add=None, remove=None):
        vms = list(self.db.get('host', host)['resident_VMs'])
        if remove in vms:
            vms.remove(remove)
        if add is not None:
            vms.append(add)
        self.db.set('host', host, resident_VMs=vms)

    def _run_on(self, vm, host, power_state='Running'):
        rec = self.db.get('VM', vm)
        old = rec['resident_on']
        if old != NULL and old in self.db.tables['host']:
            self._resident(old, remove=vm)
        domid = max([r.rec['domid'] for r in self.db.tables['VM'].values()]
            + [0]) + 1
        self.db.set('VM', vm, power_state=power_state, resident_on=host,
            domid=domid, allowed_operations=['clean_shutdown',
                'hard_shutdown', 'suspend', 'pool_migrate', 'pause'])
        self.db.set('VM_metrics', rec['metrics'], start_time=rfc3339(),
            current_domain_type=rec['domain_type'], last_updated=rfc3339())
        self._resident(host, add=vm)

    def _stop(self, vm, power_state):
        rec = self.db.get('VM', vm)
        if rec['resident_on'] in self.db.tables['host']:
            self._resident(rec['resident_on'], remove=vm)
        self.db.pending_flags.pop(vm, None)
        self.db.set('VM', vm, power_state=power_state, resident_on=NULL,
            domid=-1, allowed_operations=['start', 'start_on', 'destroy']
            if power_state == 'Halted' else ['resume', 'resume_on'])
        if power_state == 'Halted':
            self.db.set('VM_metrics', rec['metrics'],
                current_domain_type='unspecified', last_updated=rfc3339())

    def _vm_state(self, vm, *states):
        ps = self.db.get('VM', vm)['power_state']
        if ps not in states:
            raise ApiError('VM_BAD_POWER_STATE', vm, '/'.join(states), ps)

    # -- operations ---------------------------------------------------

    def op_pool_create(self, master_model, name_label='pool',
            master_name=None, address=None, hvm=True, clear=(), add=()):
        if self.db.pool_ref() is not None:
            raise ApiError('CTL_POOL_EXISTS')
        pool = self.db.create('pool', {'uuid': new_uuid(),
            'name_label': name_label, 'master': NULL,
            'other_config': {}, 'restrictions': {}})
        host = self._new_host(master_model, master_name, address, hvm,
            clear, add)
        self.db.set('pool', pool, master=host)
        self._recompute_pool()
        return {'pool': self._obj('pool', pool),
            'master': self._obj('host', host)}

    def op_host_add(self, model, name=None, address=None, hvm=True,
            join_force=False, clear=(), add=()):
        pool = self._pool()
        master = self.db.get('pool', pool)['master']
        vendor = self.models.vendors[self.models.models[model]['vendor']]
        if (not join_force and master in self.db.tables['host']
                and self.db.get('host', master)['cpu_info']['vendor']
                != vendor):
            raise ApiError('CTL_VENDOR_DIFFERS',
                'pool.join refuses another CPU vendor; use join_force')
        host = self._new_host(model, name, address, hvm, clear, add)
        self._recompute_pool()
        return self._obj('host', host)

    def op_host_reboot(self, host, model=None, clear=(), add=()):
        host = self.db.find('host', host)
        rec = self.db.get('host', host)
        for vm in list(rec['resident_VMs']):
            if not self.db.get('VM', vm)['is_control_domain']:
                self._stop(vm, 'Halted')
        self.db.set('host', host, enabled=False)
        model = model or rec['cpu_info']['modelname'].split(' ')[0]
        self.db.set('host', host, cpu_info=self._cpu_info(model, clear, add),
            enabled=True)
        other = dict(rec['other_config'], boot_time='%.0f.' % time.time())
        self.db.set('host', host, other_config=other)
        self._recompute_pool()
        return self._obj('host', host)

    def op_host_delete(self, host):
        host = self.db.find('host', host)
        rec = self.db.get('host', host)
        if host == self.db.get('pool', self._pool())['master']:
            raise ApiError('CTL_HOST_IS_MASTER', host)
        for vm in rec['resident_VMs']:
            if not self.db.get('VM', vm)['is_control_domain']:
                raise ApiError('CTL_HOST_HAS_VMS', host, vm)
        for vm in rec['resident_VMs']:
            self.db.destroy('VM_metrics', self.db.get('VM', vm)['metrics'])
            self.db.destroy('VM', vm)
        self.db.destroy('host', host)
        self._recompute_pool()
        return {'ref': host, 'uuid': rec['uuid']}

    def op_host_set(self, host, fields):
        host = self.db.find('host', host)
        self.db.set('host', host, **fields)
        if 'cpu_info' in fields or 'capabilities' in fields:
            self._recompute_pool()
        return self._obj('host', host)

    def op_master_change(self, host):
        host = self.db.find('host', host)
        self.db.set('pool', self._pool(), master=host)
        return self._obj('host', host)

    def op_pool_set(self, fields):
        self.db.set('pool', self._pool(), **fields)
        return self._obj('pool', self._pool())

    def op_vm_create(self, name, domain_type='hvm', template=False,
            snapshot=False):
        vm = self._new_vm(name, domain_type, template, snapshot)
        return self._obj('VM', vm)

    def op_vm_set(self, vm, fields):
        vm = self.db.find('VM', vm)
        self.db.set('VM', vm, **fields)
        return self._obj('VM', vm)

    def op_vm_start(self, vm, host, flags='later', delay=None):
        vm, host = self.db.find('VM', vm), self.db.find('host', host)
        self._vm_state(vm, 'Halted')
        self._run_on(vm, host)
        self._later_flags(vm, self._boot_flags(vm, host), flags, delay)
        return self._obj('VM', vm)

    def op_vm_migrate(self, vm, host, flags='later', delay=None):
        vm, host = self.db.find('VM', vm), self.db.find('host', host)
        self._vm_state(vm, 'Running')
        cur = self.db.get('VM', vm)['last_boot_CPU_flags']
        self._run_on(vm, host)
        new = dict(cur, vendor=self.db.get('host', host)['cpu_info'][
            'vendor']) if cur else None
        self._later_flags(vm, new, flags, delay)
        return self._obj('VM', vm)

    def op_vm_suspend(self, vm):
        vm = self.db.find('VM', vm)
        self._vm_state(vm, 'Running', 'Paused')
        self._stop(vm, 'Suspended')
        return self._obj('VM', vm)

    def op_vm_resume(self, vm, host, flags='later', delay=None):
        vm, host = self.db.find('VM', vm), self.db.find('host', host)
        self._vm_state(vm, 'Suspended')
        cur = self.db.get('VM', vm)['last_boot_CPU_flags']
        self._run_on(vm, host)
        new = dict(cur, vendor=self.db.get('host', host)['cpu_info'][
            'vendor']) if cur else None
        self._later_flags(vm, new, flags, delay)
        return self._obj('VM', vm)

    def op_vm_pause(self, vm):
        vm = self.db.find('VM', vm)
        self._vm_state(vm, 'Running')
        self.db.set('VM', vm, power_state='Paused')
        return self._obj('VM', vm)

    def op_vm_unpause(self, vm):
        vm = self.db.find('VM', vm)
        self._vm_state(vm, 'Paused')
        self.db.set('VM', vm, power_state='Running')
        return self._obj('VM', vm)

    def op_vm_shutdown(self, vm):
        vm = self.db.find('VM', vm)
        self._vm_state(vm, 'Running', 'Paused', 'Suspended')
        self._stop(vm, 'Halted')
        return self._obj('VM', vm)

    def op_vm_flags(self, vm):
        """Write the VM's pending last_boot_CPU_flags now."""
        vm = self.db.find('VM', vm)
        flags = self.db.pending_flags.pop(vm, None)
        if flags is None:
            raise ApiError('CTL_NO_PENDING_FLAGS', vm)
        self.db.set('VM', vm, last_boot_CPU_flags=flags)
        return self._obj('VM', vm)

    def op_vm_destroy(self, vm):
        vm = self.db.find('VM', vm)
        self._vm_state(vm, 'Halted', 'Suspended')
        rec = self.db.get('VM', vm)
        self.db.pending_flags.pop(vm, None)
        self.db.destroy('VM', vm)
        self.db.destroy('VM_metrics', rec['metrics'])
        return {'ref': vm, 'uuid': rec['uuid']}

    def op_set_role(self, master=True, master_address=''):
        """This xapi's pool role: as a supporter it answers TCP clients
        HOST_IS_SLAVE [master_address] (default: the master's address)."""
        self.db.role = {'master': bool(master),
            'master_address': master_address}
        self.db.cond.notify_all()
        return dict(self.db.role)

    def op_lose_tokens(self):
        self.db.cond.release()
        try:
            self.db.lose_tokens()
        finally:
            self.db.cond.acquire()
        return {'token_floor': self.db.token_floor}

    def op_sessions_expire(self):
        """Every session becomes invalid (as after a session timeout)."""
        n = len(self.db.sessions)
        self.db.sessions.clear()
        self.db.cond.notify_all()
        return {'expired': n}

    def op_models(self):
        return sorted(self.models.models)

    def op_dump(self):
        d = self.db
        return {
            'generation': d.gen,
            'tables': {cls: {ref: r.rec for ref, r in rows.items()}
                for cls, rows in d.tables.items()},
            'messages': {ref: rec for ref, (rec, _) in d.messages.items()},
            'role': d.role, 'sessions': len(d.sessions),
            'pending_flags': d.pending_flags,
            'token_floor': d.token_floor,
        }
