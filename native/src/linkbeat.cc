// Link state by ioctl, for linkbeat polling (keepalived 2.2.7 vrrp_if.c if_mii_probe,
// if_ethtool_probe, if_ioctl_flags): what an interface's driver says of its link, asked of
// the driver, not of rtnetlink. One AF_INET datagram socket per call, closed at once.
#include "linkbeat.h"

#include <cerrno>
#include <cstring>
#include <linux/ethtool.h>
#include <linux/mii.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include "errno_error.h"

namespace {

constexpr int kLinkDown = 0;
constexpr int kLinkUp = 1;

struct Probe {
  int fd;
  struct ifreq ifr;
  std::vector<std::string> log;
};

void Name(Probe& p, const std::string& ifname) {
  std::memset(&p.ifr, 0, sizeof p.ifr);
  std::strncpy(p.ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
}

// if_mii_read: 0xffff (logged) when the register cannot be read
uint16_t MiiRead(Probe& p, uint16_t phy, uint16_t reg) {
  auto* data = reinterpret_cast<struct mii_ioctl_data*>(&p.ifr.ifr_data);
  data->phy_id = phy;
  data->reg_num = reg;
  if (ioctl(p.fd, SIOCGMIIREG, &p.ifr) < 0) {
    p.log.push_back(std::string("SIOCGMIIREG on ") + p.ifr.ifr_name + " failed: " + std::strerror(errno));
    return 0xffff;
  }
  return data->val_out;
}

// if_mii_probe + if_mii_status: -1 no MII, else link up/down from BMSR (read twice: sticky bits)
int Mii(Probe& p, const std::string& ifname) {
  Name(p, ifname);
  auto* data = reinterpret_cast<struct mii_ioctl_data*>(&p.ifr.ifr_data);
  if (ioctl(p.fd, SIOCGMIIPHY, &p.ifr) < 0) return -1;
  uint16_t phy = data->phy_id;
  data->reg_num = MII_BMSR;
  if (ioctl(p.fd, SIOCGMIIREG, &p.ifr) < 0) return -1;
  data->phy_id = phy;
  uint16_t bmsr;
  if (MiiRead(p, phy, MII_BMCR) == 0xffff || (bmsr = MiiRead(p, phy, MII_BMSR)) == 0) {
    p.log.push_back(std::string("No MII transceiver present for ") + p.ifr.ifr_name + " !!!");
    return -1;
  }
  uint16_t again = MiiRead(p, phy, MII_BMSR);
  return (bmsr & BMSR_LSTATUS) || (again & BMSR_LSTATUS) ? kLinkUp : kLinkDown;
}

// if_ethtool_probe: ETHTOOL_GLINK, -1 when the driver does not answer it
int Ethtool(Probe& p, const std::string& ifname) {
  Name(p, ifname);
  struct ethtool_value edata;
  std::memset(&edata, 0, sizeof edata);
  edata.cmd = ETHTOOL_GLINK;
  p.ifr.ifr_data = reinterpret_cast<char*>(&edata);
  if (ioctl(p.fd, SIOCETHTOOL, &p.ifr)) return -1;
  return edata.data ? kLinkUp : kLinkDown;
}

// if_ioctl_flags: IFF_UP and IFF_RUNNING; a failure other than ENODEV counts as up; no such
// interface is -1 (down to keepalived; the caller also learns the interface is not there)
int Flags(Probe& p, const std::string& ifname) {
  Name(p, ifname);
  if (ioctl(p.fd, SIOCGIFFLAGS, &p.ifr) < 0) return errno != ENODEV ? kLinkUp : -1;
  const short up = IFF_UP | IFF_RUNNING;
  return (p.ifr.ifr_flags & up) == up ? kLinkUp : kLinkDown;
}

}  // namespace

// linkbeatProbe(ifname, 'mii' | 'ethtool' | 'flags') -> { status: -1 | 0 | 1, log: string[] }
Napi::Value LinkbeatProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    throw Napi::TypeError::New(env, "linkbeatProbe(ifname, 'mii' | 'ethtool' | 'flags')");
  }
  std::string ifname = info[0].As<Napi::String>().Utf8Value();
  std::string kind = info[1].As<Napi::String>().Utf8Value();
  Probe p;
  p.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (p.fd < 0) throw ErrnoError(env, "socket", errno, "linkbeat AF_INET datagram");
  int status;
  if (kind == "mii") status = Mii(p, ifname);
  else if (kind == "ethtool") status = Ethtool(p, ifname);
  else if (kind == "flags") status = Flags(p, ifname);
  else {
    close(p.fd);
    throw Napi::TypeError::New(env, "linkbeatProbe: kind is 'mii', 'ethtool' or 'flags'");
  }
  close(p.fd);
  Napi::Object out = Napi::Object::New(env);
  out.Set("status", Napi::Number::New(env, status));
  Napi::Array log = Napi::Array::New(env, p.log.size());
  for (size_t i = 0; i < p.log.size(); i++) log.Set(static_cast<uint32_t>(i), Napi::String::New(env, p.log[i]));
  out.Set("log", log);
  return out;
}
