// The test xapi seen by a XenAPI client nobody here wrote: Xen Orchestra's
// `xen-api` package.  It logs in over TCP, reads the records, follows the
// events while the control socket starts a VM, and sees the VM's new
// power_state, then its last_boot_CPU_flags; it checks a XenAPI failure
// comes back as the client's XapiError.  Prints TAP.
//
// Environment: TESTXAPI_URL (http://127.0.0.1:PORT), TESTXAPI_CONTROL
// (control socket path), XO_MODULES (the node_modules holding xen-api).
import http from 'node:http'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const modules = process.env.XO_MODULES
const { Xapi } = await import(pathToFileURL(path.join(modules, 'xen-api', 'index.mjs')).href)

let n = 0
let failed = 0
function ok(cond, what, detail) {
  n++
  if (!cond) failed++
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`)
  if (!cond && detail !== undefined) console.log(`# ${JSON.stringify(detail)}`)
}

function control(op, args = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: process.env.TESTXAPI_CONTROL, path: '/testctl', method: 'POST' },
      res => {
        let body = ''
        res.on('data', d => (body += d))
        res.on('end', () => {
          const out = JSON.parse(body)
          if (out.error) reject(new Error(out.error.join(' ')))
          else resolve(out.result)
        })
      }
    )
    req.on('error', reject)
    req.end(JSON.stringify({ op, args }))
  })
}

async function until(what, pred, ms = 15000) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const v = pred()
    if (v) return v
    await new Promise(r => setTimeout(r, 50))
  }
  throw new Error('timed out waiting for ' + what)
}

const byType = (xapi, type) => Object.values(xapi.objects.all).filter(o => o.$type === type)

async function main() {
  const xapi = new Xapi({
    url: process.env.TESTXAPI_URL,
    auth: { user: 'root', password: 'testpw' },
    allowUnauthorized: false,
  })
  await xapi.connect()
  ok(xapi.status === 'connected', 'logs in with session.login_with_password')
  ok(xapi.pool !== null && typeof xapi.pool.uuid === 'string', 'reads the pool record at login')
  await xapi.objectsFetched
  const hosts = byType(xapi, 'host')
  ok(hosts.length === 2, 'objects hold the two hosts', hosts.length)
  ok(hosts.every(h => typeof h.cpu_info.features_hvm_host === 'string' && h.cpu_info.vendor), 'a host record carries cpu_info')
  const master = xapi.getObject(xapi.pool.master)
  ok(master.$type === 'host', 'pool.master resolves to a host object')
  const vms = byType(xapi, 'VM')
  ok(vms.filter(v => v.is_control_domain).length === 2, 'one control domain per host')
  const vm = vms.find(v => v.name_label === 'conf-vm')
  ok(vm !== undefined && vm.power_state === 'Halted', 'the test VM is Halted')
  ok(xapi.getObject(vm.metrics).$type === 'VM_metrics', 'VM.metrics resolves to a VM_metrics object')
  const records = await xapi.getAllRecords('host')
  ok(records.length === 2 && records.every(h => h.$ref && h.uuid), 'getAllRecords("host")')

  // Follow events while the control socket starts the VM.
  await control('vm_start', { vm: vm.uuid, host: master.uuid, flags: 'later', delay: 1.0 })
  const seen = []
  xapi.objects.on('update', objs => {
    const v = objs[vm.uuid]
    if (v !== undefined) seen.push([v.power_state, v.last_boot_CPU_flags.features ?? ''])
  })
  const running = await until('Running', () => {
    const v = xapi.getObject(vm.uuid)
    return v.power_state === 'Running' && v
  })
  ok(running.resident_on === master.$ref, 'event: the VM is Running on the master')
  const flagged = await until('last_boot_CPU_flags', () => {
    const v = xapi.getObject(vm.uuid)
    return v.last_boot_CPU_flags.features && v
  })
  ok(flagged.last_boot_CPU_flags.vendor === master.cpu_info.vendor, 'event: last_boot_CPU_flags arrive with the host vendor', flagged.last_boot_CPU_flags)
  const first = seen.findIndex(([ps]) => ps === 'Running')
  ok(first >= 0 && seen[first][1] === '', 'the power state came one event before the flags', seen)
  const metrics = xapi.getObject(flagged.metrics)
  ok(metrics.current_domain_type === 'hvm', 'VM_metrics.current_domain_type follows the start', metrics.current_domain_type)

  // A message created through the API comes back as an event.
  const ref = await xapi.call('message.create', 'CPULEVEL_TEST', 3, 'Pool', xapi.pool.uuid, 'body')
  const msg = await until('message event', () => xapi.objects.all[ref] ?? byType(xapi, 'message').find(m => m.$ref === ref))
  ok(msg.name === 'CPULEVEL_TEST' && msg.priority === 3, 'message.create, then its add event')

  // Failures come back as XapiError with xapi's code and params.
  try {
    await xapi.call('VM.get_record', 'OpaqueRef:nonexistent')
    ok(false, 'HANDLE_INVALID for a bad ref')
  } catch (e) {
    ok(e.code === 'HANDLE_INVALID' && e.params[0] === 'VM', 'HANDLE_INVALID [VM, ref] for a bad ref', { code: e.code, params: e.params })
  }

  // The same through XML-RPC, which the client falls back to on old hosts.
  const xml = new Xapi({ url: process.env.TESTXAPI_URL, auth: { user: 'root', password: 'testpw' }, transport: 'xml-rpc' })
  await xml.connect()
  await xml.objectsFetched
  const xvm = xml.getObject(vm.uuid)
  ok(xvm.power_state === 'Running' && xvm.VCPUs_max === '2', 'XML-RPC: records read, ints as strings', xvm.VCPUs_max)
  await control('vm_shutdown', { vm: vm.uuid })
  await until('Halted over XML-RPC', () => xml.getObject(vm.uuid).power_state === 'Halted')
  ok(true, 'XML-RPC: event.from follows the shutdown')
  await xml.disconnect()
  await xapi.disconnect()
}

try {
  await main()
} catch (e) {
  ok(false, 'no exception', String(e && e.stack))
}
console.log(`1..${n}`)
console.log(`# ${n - failed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
