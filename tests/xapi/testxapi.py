#!/usr/bin/env python3
"""testxapi: a stand-in for xapi's XenAPI server, for tests (README.md).

    testxapi.py serve [--listen 127.0.0.1:PORT] [--port-file FILE]
                      [--unix PATH] [--control PATH] [--state FILE]
                      [--init-pool MODEL] [--user NAME --password PW
                      [--role ROLE]] [--root-password PW] [--slave ADDRESS]
                      [--lose-tokens] [--auth-fail-delay S] [--flags-delay S]
                      [--models FILE]
    testxapi.py ctl --control PATH OP [JSON-ARGS]

XenAPI is served over HTTP on TCP and on a unix socket: JSON-RPC 1.0 and
2.0 on POST /jsonrpc, XML-RPC on any other POST path.  The control
interface (POST /testctl, JSON {"op", "args"}) is served only on the
--control unix socket.
"""

import argparse
import http.client
import http.server
import json
import os
import signal
import socket
import socketserver
import sys
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import xapi_api    # noqa: E402
import xapi_ctl    # noqa: E402
from xapi_db import ApiError, Database, I32    # noqa: E402
from xapi_fields import DT    # noqa: E402

MAX_BODY = 1 << 20
HTML_500 = ('<html><body><h1>HTTP 500 internal server error</h1>An '
    'unexpected error occurred; please wait a while and try again. If the '
    'problem persists, please contact your support representative.<h1> '
    'Additional information </h1>%s</body></html>')


class Malformed(Exception):
    pass


# -- JSON-RPC (ocaml-rpc's jsonrpc.ml, xapi's api_server.ml) ------------

def jsonrpc_request(body):
    try:
        req = json.loads(body)
    except ValueError:
        raise Malformed('Jsonrpc.Malformed_method_request') from None
    if not isinstance(req, dict) or not isinstance(req.get('method'), str):
        raise Malformed("Invalid field 'method' in request body")
    version = req.get('jsonrpc')
    if version is not None and version != '2.0':
        raise Malformed("Invalid field 'jsonrpc' in request body")
    params = req.get('params')
    if version is None:
        if not isinstance(params, list):
            raise Malformed("Invalid field 'params' in request body")
    elif params is None:
        params = []
    elif isinstance(params, dict):
        params = [params]
    elif not isinstance(params, list):
        raise Malformed("Invalid field 'params' in request body")
    rid = req.get('id')
    if isinstance(rid, bool) or not isinstance(rid, (int, str)):
        raise Malformed("Invalid field 'id' in request body")
    return version, rid, req['method'], params


def jsonrpc_response(version, rid, ok, value):
    if version is None:
        r = {'result': value, 'error': None} if ok else \
            {'result': None, 'error': value}
    elif ok:
        r = {'jsonrpc': '2.0', 'result': value}
    else:
        r = {'jsonrpc': '2.0', 'error': {'code': 1, 'message': value[0],
            'data': value[1:]}}
    r['id'] = rid
    return json.dumps(r).encode()


# -- XML-RPC (xapi's wire-protocol.md) ---------------------------------

def xml_escape(s):
    return (s.replace('&', '&amp;').replace('<', '&lt;')
        .replace('>', '&gt;').replace('"', '&quot;'))


def xml_value(v, out):
    """ocaml-rpc's Xmlrpc.to_string (not strict), as xapi answers: an int
    is a bare <value>123</value>, an Int32 <i4>, a DateTime its element; no
    whitespace between elements (XO's parser reads none)."""
    if v is None:
        out.append('<value><nil/></value>')
    elif isinstance(v, bool):
        out.append('<value><boolean>%d</boolean></value>' % v)
    elif isinstance(v, I32):
        out.append('<value><i4>%d</i4></value>' % v)
    elif isinstance(v, int):
        out.append('<value>%d</value>' % v)
    elif isinstance(v, float):
        out.append('<value><double>%.16g</double></value>' % v)
    elif isinstance(v, DT):
        out.append('<value><dateTime.iso8601>%s</dateTime.iso8601></value>'
            % v)
    elif isinstance(v, str):
        out.append('<value>%s</value>' % xml_escape(v))
    elif isinstance(v, list):
        out.append('<value><array><data>')
        for x in v:
            xml_value(x, out)
        out.append('</data></array></value>')
    elif isinstance(v, dict):
        out.append('<value><struct>')
        for k, x in v.items():
            out.append('<member><name>%s</name>' % xml_escape(str(k)))
            xml_value(x, out)
            out.append('</member>')
        out.append('</struct></value>')
    else:
        raise TypeError(type(v))


def xmlrpc_response(v):
    out = ['<?xml version="1.0"?><methodResponse><params><param>']
    xml_value(v, out)
    out.append('</param></params></methodResponse>')
    return ''.join(out).encode()


def from_xmlrpc(v):
    if isinstance(v, xmlrpc.client.DateTime):
        return v.value
    if isinstance(v, dict):
        return {k: from_xmlrpc(x) for k, x in v.items()}
    if isinstance(v, list):
        return [from_xmlrpc(x) for x in v]
    return v


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def address_string(self):
        return self.server.transport

    def body(self):
        n = int(self.headers.get('Content-Length') or 0)
        if n > MAX_BODY:
            raise Malformed('request too large')
        return self.rfile.read(n)

    def reply(self, code, ctype, data, close=False):
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        if ctype != 'text/html':
            self.send_header('Access-Control-Allow-Origin', '*')
            self.send_header('Access-Control-Allow-Headers',
                'X-Requested-With')
        if close:
            self.send_header('Connection', 'close')
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        path = self.path.split('?')[0]
        try:
            body = self.body()
            if self.server.control is not None:
                return self.control(path, body)
            if path == '/jsonrpc':
                return self.jsonrpc(body)
            return self.xmlrpc(body)
        except Malformed as e:
            msg = str(e).replace('&', '&amp;').replace('<', '&lt;')
            self.reply(500, 'text/html', (HTML_500 % msg).encode(), True)

    def call(self, method, params):
        try:
            return True, self.server.api.call(method, params,
                self.server.transport)
        except ApiError as e:
            return False, e.description()

    def jsonrpc(self, body):
        version, rid, method, params = jsonrpc_request(body)
        ok, value = self.call(method, params)
        self.reply(200, 'application/json',
            jsonrpc_response(version, rid, ok, value))

    def xmlrpc(self, body):
        try:
            params, method = xmlrpc.client.loads(body, use_builtin_types=True)
        except Exception as e:
            raise Malformed('Xmlrpc.Parse_error(%s)' % type(e).__name__) \
                from None
        if method is None:
            raise Malformed('Xmlrpc.Parse_error(methodName)')
        ok, value = self.call(method, from_xmlrpc(list(params)))
        if method == 'system.listMethods' and ok:
            resp = value
        elif ok:
            resp = {'Status': 'Success', 'Value': value}
        else:
            resp = {'Status': 'Failure', 'ErrorDescription': value}
        self.reply(200, 'text/xml', xmlrpc_response(resp))

    def control(self, path, body):
        if path != '/testctl':
            return self.reply(404, 'application/json', b'{}', True)
        try:
            req = json.loads(body)
            result = self.server.control.run(req['op'], req.get('args') or {})
            out, code = {'result': result}, 200
        except ApiError as e:
            out, code = {'error': e.description()}, 400
        except (TypeError, KeyError, ValueError) as e:
            out, code = {'error': ['CTL_BAD_REQUEST', str(e)]}, 400
        self.reply(code, 'application/json', json.dumps(out).encode())


class TCPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def server_bind(self):
        if os.path.exists(self.server_address):
            os.unlink(self.server_address)
        super().server_bind()


def start(server, transport, api, control, verbose):
    import threading
    server.transport = transport
    server.api = api
    server.control = control
    server.verbose = verbose
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def write_atomically(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.rename(tmp, path)


def serve(a):
    db = Database(a.state)
    loaded = db.load()
    users = {}
    if a.user:
        users[a.user] = (a.password or '', a.role)
    if a.root_password is not None:
        users['root'] = (a.root_password, 'pool-admin')
    api = xapi_api.Api(db, users, a.auth_fail_delay)
    ctl = xapi_ctl.Control(db, a.models, a.flags_delay)
    if not loaded and a.init_pool:
        ctl.run('pool_create', {'master_model': a.init_pool})
    if a.slave is not None:
        ctl.run('set_role', {'master': False, 'master_address': a.slave})
    if loaded and a.lose_tokens:
        db.lose_tokens()
    db.save()
    ctl.resume_pending()
    if a.control:
        start(UnixServer(a.control, Handler), 'control', api, ctl, a.verbose)
    if a.unix:
        start(UnixServer(a.unix, Handler), 'unix', api, None, a.verbose)
    if a.listen:
        host, _, port = a.listen.rpartition(':')
        srv = start(TCPServer((host, int(port)), Handler), 'tcp', api, None,
            a.verbose)
        port = srv.server_address[1]
        if a.port_file:
            write_atomically(a.port_file, '%d\n' % port)
        print('testxapi: listening on %s:%d' % (host, port), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=60):
        super().__init__('localhost', timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def ctl_call(control_path, op, **args):
    """Run a control operation; return its result or raise ApiError."""
    c = UnixHTTPConnection(control_path)
    try:
        c.request('POST', '/testctl', json.dumps({'op': op, 'args': args}),
            {'Content-Type': 'application/json'})
        out = json.loads(c.getresponse().read())
    finally:
        c.close()
    if 'error' in out:
        raise ApiError(*out['error'])
    return out['result']


def main():
    p = argparse.ArgumentParser(prog='testxapi.py')
    sub = p.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('serve')
    s.add_argument('--listen', help='HOST:PORT for XenAPI over TCP (port 0: '
        'any free port)')
    s.add_argument('--port-file', help='where to write the TCP port')
    s.add_argument('--unix', help='unix socket for XenAPI (trusted as root)')
    s.add_argument('--control', help='unix socket for the control interface')
    s.add_argument('--state', help='JSON file the database is kept in')
    s.add_argument('--init-pool', metavar='MODEL',
        help='without a saved state: a pool whose master is of MODEL')
    s.add_argument('--user')
    s.add_argument('--password')
    s.add_argument('--role', default='read-only', choices=xapi_api.ROLES)
    s.add_argument('--root-password')
    s.add_argument('--slave', metavar='MASTER_ADDRESS')
    s.add_argument('--lose-tokens', action='store_true',
        help='tokens saved before this start fail to parse')
    s.add_argument('--auth-fail-delay', type=float, default=5.0)
    s.add_argument('--flags-delay', type=float, default=0.5)
    s.add_argument('--models', help='cpu-models.json')
    s.add_argument('-v', '--verbose', action='store_true')
    c = sub.add_parser('ctl')
    c.add_argument('--control', required=True)
    c.add_argument('op')
    c.add_argument('args', nargs='?', default='{}', help='JSON object')
    a = p.parse_args()
    if a.cmd == 'serve':
        if not (a.listen or a.unix):
            p.error('serve needs --listen or --unix')
        serve(a)
    try:
        print(json.dumps(ctl_call(a.control, a.op, **json.loads(a.args)),
            indent=1, sort_keys=True))
    except ApiError as e:
        print(' '.join(e.description()), file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
