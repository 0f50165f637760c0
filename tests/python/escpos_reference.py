"""Independent ESC/POS encodings from python-escpos (Dummy printer) and Python's own
GB18030 codec, for tests/python_escpos.rs to compare byte for byte.

Input (JSON on stdin): {"qr": [{"data", "size"}], "images": [{"png", "fragment"}], "texts": [...]}
Output (JSON on stdout): the same lists with hex strings.
"""
import json
import sys

from escpos import constants
from escpos.printer import Dummy
from PIL import Image

# python-escpos prints notices on stdout: keep stdout for the JSON answer only.
answer_stream = sys.stdout
sys.stdout = sys.stderr

request = json.load(sys.stdin)
result = {"qr": [], "images": [], "texts": []}
for qr in request["qr"]:
    p = Dummy()
    p.qr(qr["data"], ec=constants.QR_ECLEVEL_M, size=qr["size"], model=constants.QR_MODEL_2, native=True, center=False)
    result["qr"].append(p.output.hex())
for image in request["images"]:
    p = Dummy()
    p.image(Image.open(image["png"]), impl="bitImageRaster", fragment_height=image["fragment"], center=False)
    result["images"].append(p.output.hex())
for text in request["texts"]:
    result["texts"].append(text.encode("gb18030").hex())
json.dump(result, answer_stream)
