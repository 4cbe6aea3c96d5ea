# smoke_lib.sh: shared by the Xvfb smoke tests (sourced, not run).

# png_check NAME FILE WxH: fails (exit 1, message naming NAME) unless FILE
# is a PNG of exactly WxH pixels: the signature, then IHDR's big-endian
# width and height at bytes 16..23.
png_check() {
    if [ ! -s "$2" ]; then
        echo "$1: no screenshot written" >&2
        exit 1
    fi
    sig=$(od -An -tx1 -N8 "$2" | tr -d ' \n')
    size=$(od -An -tu1 -j16 -N8 "$2" | awk '{print $3*256+$4 "x" $7*256+$8}')
    if [ "$sig" != "89504e470d0a1a0a" ] || [ "$size" != "$3" ]; then
        echo "$1: screenshot is not a $3 PNG (sig $sig, size $size)" >&2
        exit 1
    fi
}
