# Counts the pixels of the report's chart colours in a PNG screenshot (8-bit RGB or
# RGBA, as headless Chromium writes it): prints "WIDTH HEIGHT FRAME BAND LINE":
# the pixels of the charts' frames (#fafafa), of the min–max band (#9cc3e6) and
# the reddish ones of the max line.
# Used by tests/hypercare_pg.sh; the standard library only.
import struct, sys, zlib
def pixels(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat, w = 8, b'', 0
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            assert depth == 8 and ctype in (2, 6)
            bpp = 3 if ctype == 2 else 4
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw, prev, out, stride = zlib.decompress(idat), bytearray(w * bpp), [], w * bpp
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(bytes(line)); prev = line
    return w, h, bpp, out
w, h, bpp, rows = pixels(sys.argv[1])
frame = band = line = 0
for r in rows:
    for x in range(0, w * bpp, bpp):
        R, G, B = r[x], r[x + 1], r[x + 2]
        frame += (R, G, B) == (0xfa, 0xfa, 0xfa)
        band += (R, G, B) == (0x9c, 0xc3, 0xe6)
        line += R > 150 and G < 100 and B < 90
print(w, h, frame, band, line)
