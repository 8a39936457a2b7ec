"""The only code that talks to a model: the openai + instructor transport, the embedded
llama.cpp server (the only package that imports openai, instructor or llama_cpp)."""
