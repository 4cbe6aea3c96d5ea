# Bob: connects after Alice, waits for her line, answers it.
import socket
import time

time.sleep(0.3)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('localhost', 8080))
line = s.recv(1024)
print(line)
s.sendall(b'bob: hi\n')
s.close()
