"""Drives drydock-temporal's REST API the way Drydock's own Python client does.

drydock_provisioner/drydock_client (session.py, client.py) is not installed here (it pulls in
keystoneauth1 and oslo); this script sends what it sends, with requests: a requests.Session
whose headers carry X-Auth-Token (from the auth generator), X-Context-Marker and X-End-User;
the base URL http://HOST:PORT/api/; endpoints and query strings built as client.py builds them;
POST bodies as json=; and the same checks of the answer (_check_response).

Environment: DRYDOCK_HOST, DRYDOCK_PORT, DRYDOCK_TOKEN, DESIGN_REF, NODE_NAME.
Prints one JSON object with what it saw; exits 1 on the first failed check.
"""
import json
import os
import sys
import time
import uuid

import requests


class ClientError(Exception):
    def __init__(self, msg, code=500):
        super().__init__(msg)
        self.status_code = code


class ClientUnauthorizedError(ClientError):
    pass


class ClientForbiddenError(ClientError):
    pass


class Session:
    """What DrydockSession does, without keystoneauth1."""

    def __init__(self, host, port, token, marker, end_user=None):
        self._session = requests.Session()
        self._session.headers.update({'X-Auth-Token': token} if token else {})
        self._session.headers.update({'X-Context-Marker': marker})
        if end_user:
            self._session.headers.update({'X-End-User': end_user})
        self.base_url = "http://%s:%s/api/" % (host, port)
        self.timeout = (20, 30)

    def get(self, endpoint, query=None):
        return self._session.get(self.base_url + endpoint, params=query, timeout=self.timeout)

    def post(self, endpoint, query=None, data=None):
        return self._session.post(self.base_url + endpoint, params=query, json=data, timeout=self.timeout)

    def delete(self, endpoint, query=None):
        return self._session.delete(self.base_url + endpoint, params=query, timeout=self.timeout)


class Client:
    """The calls of drydock_client/client.py, endpoint by endpoint."""

    def __init__(self, session):
        self.session = session
        self.last = None

    def _check_response(self, resp):
        self.last = resp
        if resp.status_code == 401:
            raise ClientUnauthorizedError("Unauthorized access to %s, include valid token." % resp.url, 401)
        elif resp.status_code == 403:
            raise ClientForbiddenError("Forbidden access to %s" % resp.url, 403)
        elif not resp.ok:
            raise ClientError("Error - received %d: %s" % (resp.status_code, resp.text), code=resp.status_code)

    def get_nodes(self):
        resp = self.session.get('v1.0/nodes')
        self._check_response(resp)
        return resp.json()

    def get_nodes_for_filter(self, design_ref, node_filter=None):
        body = {'node_filter': node_filter, 'design_ref': design_ref}
        resp = self.session.post('v1.0/nodefilter', data=body)
        self._check_response(resp)
        return resp.json()

    def get_tasks(self):
        resp = self.session.get("v1.0/tasks")
        self._check_response(resp)
        return resp.json()

    def get_task(self, task_id, builddata=None, subtaskerrors=None, layers=None):
        endpoint = "v1.0/tasks/%s" % (task_id)
        query_params = []
        if builddata:
            query_params.append('builddata=true')
        if subtaskerrors:
            query_params.append('subtaskerrors=true')
        if layers:
            query_params.append('layers=%s' % layers)
        if query_params:
            endpoint = '%s?%s' % (endpoint, '&'.join(query_params))
        resp = self.session.get(endpoint)
        self._check_response(resp)
        return resp.json()

    def delete_tasks(self, days=None):
        endpoint = 'v1.0/tasks' + '?days=' + str(days)
        resp = self.session.delete(endpoint)
        self._check_response(resp)
        return "Task table purged successfully."

    def create_task(self, design_ref, task_action, node_filter=None):
        task_dict = {'action': task_action, 'design_ref': design_ref, 'node_filter': node_filter}
        resp = self.session.post('v1.0/tasks', data=task_dict)
        self._check_response(resp)
        return resp.json()

    def validate_design(self, href):
        resp = self.session.post('v1.0/validatedesign', data={'href': href})
        self._check_response(resp)
        return resp.json()


def check(cond, what):
    if not cond:
        print(json.dumps({'failed': what}))
        sys.exit(1)


def main():
    host, port = os.environ['DRYDOCK_HOST'], os.environ['DRYDOCK_PORT']
    token, design_ref, node = os.environ['DRYDOCK_TOKEN'], os.environ['DESIGN_REF'], os.environ['NODE_NAME']
    marker = str(uuid.uuid4())
    client = Client(Session(host, port, token, marker, end_user='shipyard-operator'))
    seen = {}

    node_filter = {'filter_set_type': 'union', 'filter_set': [{'filter_type': 'union', 'node_names': [node]}]}
    task = client.create_task(design_ref, 'deploy_nodes', node_filter)
    check(client.last.status_code == 201, 'create_task answers 201')
    check(client.last.headers.get('Location') == '/api/v1.0/tasks/%s' % task['task_id'], 'create_task gives the Location')
    check(client.last.headers.get('X-Context-Marker') == marker, 'the context marker comes back')
    check(client.last.headers.get('X-Drydock-Req'), 'X-Drydock-Req is set')
    check(str(uuid.UUID(task['task_id'])) == task['task_id'], 'task_id is a UUID')
    check(task['action'] == 'deploy_nodes' and task['design_ref'] == design_ref and task['node_filter'] == node_filter, 'the task echoes the request')
    seen['created'] = task['status']

    deadline = time.time() + 120
    while True:
        task = client.get_task(task['task_id'])
        if task['status'] in ('complete', 'terminated') or time.time() > deadline:
            break
        time.sleep(0.5)
    check(task['status'] == 'complete', 'the task completes')
    check(task['result']['status'] == 'success', 'the task succeeds')
    check(len(task['subtask_id_list']) == 1, 'one subtask per node')
    seen['result'] = task['result']['status']

    full = client.get_task(task['task_id'], builddata=True, subtaskerrors=True, layers=-1)
    check(full['init_task_id'] == task['task_id'], 'layers answers init_task_id')
    sub = full[task['subtask_id_list'][0]]
    check(sub['parent_task_id'] == task['task_id'], 'the subtask names its parent')
    check(sub['node_filter']['filter_set'][0]['node_names'] == [node], 'the subtask is the node')
    check(full['subtask_errors'] == {}, 'no subtask errors')
    check(full[task['task_id']]['build_data'] == [], 'build data is a list')
    errors_only = client.get_task(task['task_id'], subtaskerrors=True)
    check(errors_only['task_id'] == task['task_id'] and errors_only['subtask_errors'] == {}, 'subtaskerrors without layers')
    one = client.get_task(task['task_id'], builddata=True)
    check(one['build_data'] == [], 'builddata alone')

    tasks = client.get_tasks()
    check(task['task_id'] in [t['task_id'] for t in tasks], 'get_tasks lists the task')

    validation = client.validate_design(design_ref)
    check(validation['kind'] == 'Status' and validation['status'] == 'Success' and validation['code'] == 200, 'validate_design: Success')

    names = client.get_nodes_for_filter(design_ref, node_filter)
    check(names == [node], 'get_nodes_for_filter')
    every = client.get_nodes_for_filter(design_ref)
    check(node in every and len(every) > 1, 'get_nodes_for_filter without a filter: every node')

    nodes = client.get_nodes()
    check(node in [n['hostname'] for n in nodes], 'get_nodes')
    seen['nodes'] = len(nodes)

    client.delete_tasks(days=3650)
    check(client.last.status_code == 200, 'delete_tasks')

    anonymous = Client(Session(host, port, None, marker))
    try:
        anonymous.get_tasks()
        check(False, 'no token is refused')
    except ClientUnauthorizedError:
        pass
    try:
        client.create_task(design_ref, 'reboot_nodes')
        check(False, 'an unknown action is refused')
    except ClientError as e:
        check(e.status_code == 400 and client.last.json()['type'] == 'error', 'unknown action: 400 with the error body')

    print(json.dumps({'ok': True, **seen}))


if __name__ == '__main__':
    main()
