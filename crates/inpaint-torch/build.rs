//! torch-sys links libtorch without an rpath, and the default `--as-needed` drops libtorch_cuda
//! because nothing references it directly, which would hide CUDA on GPU machines. Embedding the
//! rpath and forcing the link keeps this crate's tests, benches and examples runnable with no
//! environment, and CUDA visible to them.
fn main() {
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath={lib}");
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
        println!("cargo:rustc-link-arg=-ltorch");
    }
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
}
