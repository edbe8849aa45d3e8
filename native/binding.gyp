{
  "targets": [
    {
      "target_name": "halo_native",
      "sources": ["src/addon.cc", "src/connect_prober.cc", "src/deadline_timer.cc", "src/dgram_socket.cc", "src/errno_error.cc", "src/exec.cc", "src/fd_argument.cc", "src/genl_exchange.cc", "src/inotify_watch.cc", "src/ip_sender.cc", "src/linkbeat.cc", "src/netlink_events.cc", "src/netns.cc", "src/packet.cc", "src/poll_watch.cc", "src/sockopt.cc", "src/vrrp6_socket.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"]
    },
    {
      "target_name": "halo_supervisor",
      "type": "executable",
      "sources": ["src/supervisor.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"]
    }
  ]
}
