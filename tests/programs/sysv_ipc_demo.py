"""sysv_ipc_demo.py: an unmodified user of System V IPC (Debian's
python3-sysv-ipc module, which calls the C library): queues with types,
a semaphore handed between two processes, shared memory written by a child.
It prints only what every correct implementation must agree on, so its
output on the kernel and under LD_PRELOAD=libsvipc-ref.so must match.
Must not: sleep to order events (the semaphore and waitpid order them)."""
import os
import sysv_ipc

q = sysv_ipc.MessageQueue(None, sysv_ipc.IPC_CREX, 0o600)
for t in (5, 2, 9, 2):
    q.send(b"message type %d" % t, type=t)
print("current_messages", q.current_messages)
print("receive type 2:", q.receive(type=2))
print("receive type -6:", q.receive(type=-6))
print("receive any:", q.receive())
try:
    q.receive(type=42, block=False)
except sysv_ipc.BusyError:
    print("type 42: busy")
pid = os.fork()
if pid == 0:
    got, t = q.receive(type=77)            # blocks until the parent sends
    q.send(got.upper(), type=78)
    os._exit(0)
q.send(b"ping", type=77)
print("reply:", q.receive(type=78))
os.waitpid(pid, 0)
q.remove()

sem = sysv_ipc.Semaphore(None, sysv_ipc.IPC_CREX, 0o600, initial_value=0)
mem = sysv_ipc.SharedMemory(None, sysv_ipc.IPC_CREX, 0o600, size=8192)
pid = os.fork()
if pid == 0:
    mem.write(b"hello from the child", offset=4096)
    sem.release()
    os._exit(0)
sem.acquire()                               # blocks until the child released
print("shared memory:", mem.read(20, offset=4096))
os.waitpid(pid, 0)
print("attachments after the child:", mem.number_attached)
print("semaphore value:", sem.value)
sem.undo = True
sem.release()
print("after release with undo:", sem.value)
mem.detach()
mem.remove()
sem.remove()
