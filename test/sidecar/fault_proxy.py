#!/usr/bin/env python3
"""A TCP proxy in front of PostgreSQL that injects faults into the replication
stream, for decode_faults_test.sh.

  fault_proxy.py UPSTREAM_HOST UPSTREAM_PORT PORT_FILE MARKER FAULT [FAULT ...]

Listens on 127.0.0.1 (an ephemeral port, written to PORT_FILE) and relays
bytes both ways. Server-to-client traffic is parsed into protocol messages;
each pgoutput Insert ('w' CopyData whose message type is 'I') containing the
bytes MARKER triggers the next fault, in order:
  corrupt  the Insert's tuple tag 'N' becomes 'X' (a malformed frame)
  drop     both sockets are closed before the Insert is relayed
  stall    from the Insert on, nothing more reaches the client (the server
           seems to hang; the connection stays open)
  pass     nothing
Once the faults are used up, and for all other traffic, bytes pass unchanged.
Clients must use sslmode=disable (the relay parses plain protocol messages).
"""
import socket
import sys
import threading

upstream_host, upstream_port, port_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
marker = sys.argv[4].encode()
faults = list(sys.argv[5:])
lock = threading.Lock()


def next_fault():
    with lock:
        return faults.pop(0) if faults else "pass"


def connect_upstream():
    if upstream_host.startswith("/"):
        s = socket.socket(socket.AF_UNIX)
        s.connect(f"{upstream_host}/.s.PGSQL.{upstream_port}")
        return s
    return socket.create_connection((upstream_host, upstream_port))


def client_to_server(client, server):
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            server.sendall(data)
    except OSError:
        pass
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def server_to_client(server, client):
    buf = b""
    stalled = False
    try:
        while True:
            data = server.recv(65536)
            if not data:
                break
            if stalled:
                continue
            buf += data
            out = b""
            while len(buf) >= 5:
                length = int.from_bytes(buf[1:5], "big")
                if len(buf) < 1 + length:
                    break
                msg, buf = bytearray(buf[:1 + length]), buf[1 + length:]
                payload = msg[5:]
                if msg[0:1] == b"d" and payload[0:1] == b"w" and payload[25:26] == b"I" and marker in payload:
                    fault = next_fault()
                    print(f"fault_proxy: {fault}", file=sys.stderr, flush=True)
                    if fault == "drop":
                        client.sendall(out)
                        raise ConnectionAbortedError
                    if fault == "stall":
                        stalled = True
                        buf = b""
                        break
                    if fault == "corrupt":
                        # 'I', relation oid (4 bytes), then the tuple tag 'N'.
                        msg[5 + 25 + 5] = ord("X")
                out += bytes(msg)
            if out:
                client.sendall(out)
    except OSError:
        pass
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(listener.getsockname()[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    while True:
        client, _ = listener.accept()
        server = connect_upstream()
        threading.Thread(target=client_to_server, args=(client, server), daemon=True).start()
        threading.Thread(target=server_to_client, args=(server, client), daemon=True).start()


main()
