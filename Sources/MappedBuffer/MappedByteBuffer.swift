import ByteBuffer
