// The shapes of the foryou HTTP contract (../shared/API.md) that the app reads.

export interface AuthorRef {
  id: string;
  username: string;
  display_name: string;
}

export interface UserPublic extends AuthorRef {
  bio: string;
  region: string;
  follower_count: number;
  following_count: number;
  like_count: number;
  video_count: number;
  created_at: string;
  is_following?: boolean | null;
}

export interface Me extends UserPublic {
  role: "user" | "moderator" | "admin";
}

export interface TokenPair {
  user: Me;
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export type VideoStatus = "uploading" | "processing" | "ready" | "rejected" | "failed";

export interface Video {
  id: string;
  author: AuthorRef;
  caption: string;
  hashtags: string[];
  duration_ms: number | null;
  width: number | null;
  height: number | null;
  status: VideoStatus;
  status_detail: string;
  progress: number;
  visibility: "public" | "private";
  created_at: string;
  counts: { views: number; likes: number; comments: number; shares: number };
  playback: { hls: string; poster?: string | null; thumbnail?: string | null } | null;
  liked_by_me?: boolean | null;
}

export interface FeedItem {
  video: Video;
  reason: { kind: string; detail?: string | null };
  score?: number | null;
}

export interface FeedPage {
  request_id: string;
  items: FeedItem[];
  prefetch: { video_id: string; urls: string[] }[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Comment {
  id: string;
  video_id: string;
  author: AuthorRef;
  text: string;
  created_at: string;
}

export interface QueueItem {
  video: Video;
  signals: Record<string, unknown>[];
  flagged_at: string;
}

export interface Hashtag {
  tag: string;
  video_count: number;
}

export interface Processing {
  status: VideoStatus;
  status_detail: string;
  progress: number;
  playback_ready: boolean;
}
