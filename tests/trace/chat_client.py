# The article's chat client: two messages, sent one after the other.
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('localhost', 8080))
s.sendall(b'Hi\n')
s.sendall(b'How are you?\n')
reply = s.recv(1024)
print(f'Reply: {reply}')
s.close()
