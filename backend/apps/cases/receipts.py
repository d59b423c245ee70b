import secrets

# No 0/O, 1/I/L: easy to read aloud over the phone and to type.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10


def new_receipt_no() -> str:
    """31^10 ≈ 8e14 values: unique in practice (the column is unique anyway) and not guessable."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_receipt_no(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "").replace("-", "")
