# The article's file send: read the whole file, then one sendall().
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('localhost', 8080))
with open('file.txt', 'rb') as f:
    file_data = f.read()
s.sendall(file_data)
s.close()
