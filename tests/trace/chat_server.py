# The article's chat server, as a student writes it: one recv(1024) is
# taken to be one message. It is slow to read (busy with something else
# for half a second after accepting), so both of the client's messages
# are waiting when it does.
import socket
import time

server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server_socket.bind(('localhost', 8080))
server_socket.listen(5)
print('Server listening')

client_socket, addr = server_socket.accept()
time.sleep(0.5)
while True:
    data = client_socket.recv(1024)
    if not data:
        break
    print(f'Received: {data}')
    client_socket.sendall(b'Got your message')
client_socket.close()
server_socket.close()
