module io.kwik.api {
    
}
