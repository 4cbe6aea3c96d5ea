# A client that sends from a thread, then sends a file with sendfile().
import socket
import threading

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('localhost', 8080))
t = threading.Thread(target=lambda: s.sendall(b'from a thread'))
t.start(); t.join()
with open(__file__, 'rb') as f:
    s.sendfile(f)
s.close()
