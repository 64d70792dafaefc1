//! Binary entry point for Trunk: mounts the app, nothing else.

fn main() {
    nc_register::start();
}
