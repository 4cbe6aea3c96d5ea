# The receiver of the article's file send. It accepts, then does not read
# for a second (busy elsewhere), so its receive buffer fills and its
# window falls to zero; then it reads everything until recv returns b''.
import socket
import time

server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server_socket.bind(('localhost', 8080))
server_socket.listen(5)
conn, addr = server_socket.accept()
time.sleep(1)
total = 0
while True:
    data = conn.recv(65536)
    if not data:
        break
    total += len(data)
print(f'Received {total} bytes')
conn.close()
server_socket.close()
