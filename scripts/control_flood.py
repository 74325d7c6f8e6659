#!/usr/bin/env python3
# Floods the control API of a running `kpsynth run` and prints what the
# process holds: 300 slowloris connections (a header line per second, never
# finishing), then 5,000 idle connections; how many the server keeps open
# (ss), how long until it closed them, and whether GET /v1/status still
# answers afterwards. Measures control.max_connections / read_timeout_ms.
#
#   scripts/control_flood.py <output_dir> <pid of kpsynth run>
import json, os, socket, sys, time
out, pid = sys.argv[1], int(sys.argv[2])
ctl = json.load(open(os.path.join(out, "control.json")))
port = int(ctl["url"].split(":")[2].split("/")[0])
def fds(): return len(os.listdir(f"/proc/{pid}/fd"))
import subprocess
def held():
    # Server-side sockets of the control port still open in the process.
    out = subprocess.run(["ss", "-tnH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True).stdout
    return len([l for l in out.splitlines() if l.strip()])
def status():
    s = socket.socket(); s.connect(("127.0.0.1", port))
    s.send(f"GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ctl['token']}\r\nConnection: close\r\n\r\n".encode())
    r = s.recv(200).split(b"\r\n")[0].decode(); s.close(); return r
base = fds()
print(f"baseline fds {base}")
slow = []
for i in range(300):
    s = socket.socket(); s.connect(("127.0.0.1", port)); s.send(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n"); slow.append(s)
time.sleep(0.3)
print(f"300 slowloris connected: process fds {fds()}, held by the server {held()}")
t0 = time.time(); alive = 300
while time.time() - t0 < 30 and alive:
    alive = 0
    for s in slow:
        try: s.send(b"X-A: b\r\n"); alive += 1
        except OSError: pass
    time.sleep(1)
print(f"slowloris (a header line per second): last one closed by the server after {time.time()-t0:.1f} s; held {held()}")
for s in slow: s.close()
idle = []
for i in range(5000):
    s = socket.socket(); s.connect(("127.0.0.1", port)); idle.append(s)
time.sleep(0.5)
print(f"5000 idle connections open: process fds {fds()}, held by the server {held()}")
t0 = time.time()
while held() > 0 and time.time() - t0 < 30: time.sleep(0.2)
print(f"idle connections all closed by the server after {time.time()-t0:.1f} s; held {held()}")
for s in idle: s.close()
time.sleep(0.3)
print("status after the flood:", status())
