set -gx GREET_STYLE cheerful
