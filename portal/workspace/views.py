from flask import Blueprint
bp = Blueprint("workspace", __name__)
