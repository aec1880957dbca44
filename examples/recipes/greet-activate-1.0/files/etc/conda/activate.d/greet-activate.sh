export GREET_STYLE="cheerful"
