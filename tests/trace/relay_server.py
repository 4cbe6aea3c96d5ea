# A server for two clients: Alice connects first and speaks, Bob connects
# second and listens; the server passes Alice's line on to Bob and Bob's
# answer back to Alice.
import socket

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(('localhost', 8080))
srv.listen(5)
alice, addr = srv.accept()
bob, addr = srv.accept()
line = alice.recv(1024)
bob.sendall(line)
answer = bob.recv(1024)
alice.sendall(answer)
alice.close()
bob.close()
srv.close()
