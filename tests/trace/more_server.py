# A server that forks a child per connection, as the classic servers do.
import os
import socket

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(('localhost', 8080))
srv.listen(5)
conn, addr = srv.accept()
pid = os.fork()
if pid == 0:
    srv.close()
    total = 0
    while True:
        data = conn.recv(4096)
        if not data:
            break
        total += len(data)
    print(f'child received {total} bytes')
    os._exit(0)
conn.close()
os.waitpid(pid, 0)
srv.close()
