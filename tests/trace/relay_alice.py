# Alice: connects, says hello, prints Bob's answer.
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('localhost', 8080))
s.sendall(b'alice: hello\n')
print(s.recv(1024))
s.close()
